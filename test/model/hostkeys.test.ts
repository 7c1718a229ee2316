// Host public keys described as `ssh-keygen -l` prints them, and cloud-init's console blocks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleBlocks, describeHostKey, fingerprintLine } from '../../src/model/hostkeys.js';
import { KEYS } from '../appliers/keys.js';

/** What `ssh-keygen -lf` printed for each key of KEYS (OpenSSH 9). */
const SSH_KEYGEN_L: Partial<Record<keyof typeof KEYS, string>> = {
  rsa: '2048 SHA256:oo8BX0H768WiKMLm14xvFbKAXooxKs6RGo7piNSutqU test-rsab2048@mdctl (RSA)',
  ed25519: '256 SHA256:aAbUBzIlLFp8UiGD4ViPqzn7SP4yCXgjUcMgMlxERY8 test-ed25519@mdctl (ED25519)',
  ecdsa256: '256 SHA256:QvgAcLTzJKwD5wGThnS7SOZPwSIMFvV93geWCb1Vk9Q test-ecdsab256@mdctl (ECDSA)',
  ecdsa384: '384 SHA256:kHs2lYxEG2gy2udeu9YW2wBUE/pLuZ6Puv1X5m5NDdU test-ecdsab384@mdctl (ECDSA)',
  ecdsa521: '521 SHA256:l/Lt74PO0QGBq9mLpLvMBdYXzuuNF26xMGB8ZR1Dn4U test-ecdsab521@mdctl (ECDSA)',
  dsa: '1024 SHA256:/594Fw8opXSsI2wsgyCF7Lhy51iJIT2zJy4UVsOZT6s test-dsa@mdctl (DSA)',
};

test('each key is described with the bits, fingerprint, comment and label ssh-keygen -l prints', () => {
  for (const [name, expected] of Object.entries(SSH_KEYGEN_L)) {
    assert.equal(fingerprintLine(describeHostKey(KEYS[name as keyof typeof KEYS])), expected, name);
  }
});

test('a key without a comment says "no comment", as ssh-keygen does', () => {
  const [type, blob] = KEYS.ed25519.split(' ');
  assert.equal(fingerprintLine(describeHostKey(`${type} ${blob}`)), '256 SHA256:aAbUBzIlLFp8UiGD4ViPqzn7SP4yCXgjUcMgMlxERY8 no comment (ED25519)');
});

test('a line that is not a key is refused', () => {
  assert.throws(() => describeHostKey('-----BEGIN OPENSSH PRIVATE KEY-----'), { code: 'ERR_INVALID_VALUE' });
});

test("the console blocks are cloud-init's: fingerprints between rules, then the keys; DSA left out", () => {
  const keys = [KEYS.ecdsa256, KEYS.dsa, KEYS.ed25519].map(describeHostKey);
  assert.equal(
    consoleBlocks(keys),
    [
      '#############################################################',
      '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
      SSH_KEYGEN_L.ecdsa256,
      SSH_KEYGEN_L.ed25519,
      '-----END SSH HOST KEY FINGERPRINTS-----',
      '#############################################################',
      '-----BEGIN SSH HOST KEY KEYS-----',
      KEYS.ecdsa256,
      KEYS.ed25519,
      '-----END SSH HOST KEY KEYS-----',
      '',
    ].join('\n'),
  );
  assert.equal(consoleBlocks([]), '');
  assert.equal(consoleBlocks([describeHostKey(KEYS.dsa)]), '');
});

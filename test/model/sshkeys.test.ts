// SSH key lines: every accepted type parses; smuggled keys, options, wrong inner types and bad blobs are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPublicKeys, parseKeyLine } from '../../src/model/sshkeys.js';
import { FINGERPRINTS, KEYS } from '../appliers/keys.js';

function blob(line: string): string {
  return line.split(' ')[1] as string;
}

function field(text: string | Buffer): Buffer {
  const data = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

test('every accepted key type parses, with the fingerprint ssh-keygen prints', () => {
  for (const [name, line] of Object.entries(KEYS)) {
    const key = parseKeyLine(line);
    assert.equal(key.type, line.split(' ')[0], name);
    assert.equal(key.line, line);
    const expected = FINGERPRINTS[name as keyof typeof KEYS];
    if (expected !== undefined) assert.equal(key.fingerprint, expected, name);
  }
});

test('a key without a comment, and with a comment of several words', () => {
  assert.equal(parseKeyLine(`ssh-ed25519 ${blob(KEYS.ed25519)}`).comment, '');
  assert.equal(parseKeyLine(`ssh-ed25519 ${blob(KEYS.ed25519)}  alice  at work `).comment, 'alice at work');
});

test('a second key smuggled in by a newline is a key of its own, checked alone', () => {
  const { keys, refused } = checkPublicKeys([{ name: 'pair', type: 'ssh', data: `${KEYS.rsa}\n${KEYS.ed25519}\n` }]);
  assert.deepEqual(
    keys.map((key) => key.type),
    ['ssh-rsa', 'ssh-ed25519'],
  );
  assert.deepEqual(refused, []);
  assert.throws(() => parseKeyLine(`${KEYS.rsa}\n${KEYS.ed25519}`), /more than one line/);
});

test('options before the type are refused', () => {
  for (const line of [`command="rm -rf /" ${KEYS.ed25519}`, `from="10.0.0.0/8" ${KEYS.ed25519}`, `no-pty ${KEYS.ed25519}`]) {
    assert.throws(() => parseKeyLine(line), (error: Error) => /options before the key type/.test(error.message) && error.message.startsWith('SSH key "'));
  }
});

test('an inner type different from the declared one is refused', () => {
  assert.throws(() => parseKeyLine(`ssh-rsa ${blob(KEYS.ed25519)}`), /holds a "ssh-ed25519" key, not "ssh-rsa"/);
  assert.throws(() => parseKeyLine(`ecdsa-sha2-nistp384 ${blob(KEYS.ecdsa256)}`), /not "ecdsa-sha2-nistp384"/);
});

test('a curve name that does not match the type is refused', () => {
  const data = Buffer.concat([field('ecdsa-sha2-nistp256'), field('nistp384'), field(Buffer.alloc(65, 4))]);
  assert.throws(() => parseKeyLine(`ecdsa-sha2-nistp256 ${data.toString('base64')}`), /curve "nistp384"/);
});

test('truncated blobs, trailing bytes and non-base64 are refused', () => {
  const full = Buffer.from(blob(KEYS.ed25519), 'base64');
  const cut = full.subarray(0, full.length - 3).toString('base64');
  assert.throws(() => parseKeyLine(`ssh-ed25519 ${cut}`), /truncated|base64/);
  const cutAligned = full.subarray(0, full.length - 6).toString('base64');
  assert.throws(() => parseKeyLine(`ssh-ed25519 ${cutAligned}`), /truncated|key of 26 bytes/);
  const extra = Buffer.concat([full, field('extra')]).toString('base64');
  assert.throws(() => parseKeyLine(`ssh-ed25519 ${extra}`), /bytes left over/);
  assert.throws(() => parseKeyLine('ssh-ed25519 not*base64'), /not valid base64/);
  assert.throws(() => parseKeyLine('ssh-ed25519'), /not valid base64/);
  const rsa = Buffer.from(blob(KEYS.rsa), 'base64');
  assert.throws(() => parseKeyLine(`ssh-rsa ${rsa.subarray(0, 40).toString('base64')}`), /truncated/);
});

test('unknown types, CR and NUL are refused', () => {
  assert.throws(() => parseKeyLine(`ssh-foo ${blob(KEYS.ed25519)}`), /unknown key type "ssh-foo"/);
  assert.throws(() => parseKeyLine(`ssh-rsa-cert-v01@openssh.com ${blob(KEYS.rsa)}`), /unknown key type/);
  assert.throws(() => parseKeyLine(`${KEYS.ed25519}\r`), /carriage return or NUL/);
  assert.throws(() => parseKeyLine(`${KEYS.ed25519}\0x`), /carriage return or NUL/);
});

test('bad lines come back refused with the entry name; good lines of the same entry are kept', () => {
  const { keys, refused } = checkPublicKeys([
    { name: 'mixed', type: 'ssh', data: `${KEYS.rsa}\ncommand="sh" ${KEYS.ed25519}\n\n${KEYS.ecdsa256}` },
    { name: 'dup', type: 'ssh', data: KEYS.rsa },
    { name: 'cert', type: 'x509', data: '-----BEGIN CERTIFICATE-----' },
  ]);
  assert.deepEqual(
    keys.map((key) => key.type),
    ['ssh-rsa', 'ecdsa-sha2-nistp256'],
  );
  assert.equal(refused.length, 1);
  assert.equal(refused[0]?.name, 'mixed');
  assert.match(refused[0]?.reason ?? '', /options before the key type/);
});

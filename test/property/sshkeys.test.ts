// Properties of SSH key checking (model/sshkeys.ts): typed refusals only, valid keys kept exactly, every kind of smuggling refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { KEY_TYPES, checkPublicKeys, parseKeyLine } from '../../src/model/sshkeys.js';
import { RUNS, hostileText, typed } from './typed.js';

function field(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

const bytes = (min: number, max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
const mpint = bytes(1, 64);

/** The fields after the type string, for each key type, as a valid blob holds them. */
function body(type: string): fc.Arbitrary<Buffer[]> {
  switch (type) {
    case 'ssh-rsa':
      return fc.tuple(mpint, mpint);
    case 'ssh-dss':
      return fc.tuple(mpint, mpint, mpint, mpint);
    case 'ssh-ed25519':
      return fc.tuple(bytes(32, 32));
    case 'sk-ssh-ed25519@openssh.com':
      return fc.tuple(bytes(32, 32), bytes(0, 20));
    case 'sk-ecdsa-sha2-nistp256@openssh.com':
      return fc.tuple(fc.constant(Buffer.from('nistp256')), bytes(65, 65), bytes(0, 20));
    default: {
      const curve = type.replace('ecdsa-sha2-', '');
      const size = { nistp256: 65, nistp384: 97, nistp521: 133 }[curve] ?? 0;
      return fc.tuple(fc.constant(Buffer.from(curve)), bytes(size, size));
    }
  }
}

interface GeneratedKey {
  type: string;
  blob: Buffer;
  comment: string;
}

const comment = fc.array(fc.stringMatching(/^[A-Za-z0-9@._+-]{1,12}$/), { maxLength: 3 }).map((words) => words.join(' '));

const validKey: fc.Arbitrary<GeneratedKey> = fc
  .constantFrom(...KEY_TYPES)
  .chain((type) => fc.record({ type: fc.constant(type), blob: body(type).map((fields) => Buffer.concat([field(type), ...fields.map(field)])), comment }));

function lineOf(key: GeneratedKey): string {
  const base = `${key.type} ${key.blob.toString('base64')}`;
  return key.comment === '' ? base : `${base} ${key.comment}`;
}

test('parseKeyLine throws nothing but a one-line ERR_INVALID_VALUE, whatever the line', () => {
  const lineish = fc.oneof(hostileText, validKey.chain((key) => fc.tuple(hostileText, fc.nat({ max: 200 })).map(([junk, at]) => {
    const line = lineOf(key);
    return `${line.slice(0, at)}${junk}${line.slice(at)}`;
  })));
  fc.assert(
    fc.property(lineish, (line) => {
      const key = typed(() => parseKeyLine(line));
      if (key === undefined) assert.throws(() => parseKeyLine(line), { code: 'ERR_INVALID_VALUE' });
      else assert.doesNotMatch(key.line, /[\r\n\0]/);
    }),
    RUNS,
  );
});

test('every valid key of every type is accepted; the line and fingerprint come back exactly', () => {
  fc.assert(
    fc.property(validKey, fc.constantFrom('', ' ', '\t'), (key, pad) => {
      const parsed = parseKeyLine(`${pad}${lineOf(key)}${pad}`);
      assert.equal(parsed.type, key.type);
      assert.equal(parsed.blob, key.blob.toString('base64'));
      assert.equal(parsed.comment, key.comment);
      assert.equal(parsed.line, lineOf(key));
      assert.equal(parsed.fingerprint, `SHA256:${createHash('sha256').update(key.blob).digest('base64').replace(/=+$/, '')}`);
    }),
    RUNS,
  );
});

test('a blob whose inner type differs, with bytes left over, or cut short is refused', () => {
  fc.assert(
    fc.property(validKey, fc.constantFrom(...KEY_TYPES), bytes(1, 8), fc.nat(), (key, other, extra, cut) => {
      if (other !== key.type) {
        assert.throws(() => parseKeyLine(`${other} ${key.blob.toString('base64')}`), { code: 'ERR_INVALID_VALUE' });
      }
      assert.throws(() => parseKeyLine(`${key.type} ${Buffer.concat([key.blob, extra]).toString('base64')}`), { code: 'ERR_INVALID_VALUE' });
      const short = key.blob.subarray(0, cut % key.blob.length);
      if (short.length > 0) assert.throws(() => parseKeyLine(`${key.type} ${short.toString('base64')}`), { code: 'ERR_INVALID_VALUE' });
    }),
    RUNS,
  );
});

test('options, CR and NUL are refused; an entry smuggling a second line gives one key per line, each checked alone', () => {
  const option = fc.constantFrom('command="/bin/sh -c reboot"', 'from="10.0.0.0/8"', 'no-pty', 'environment="LD_PRELOAD=/tmp/x"', 'restrict,command="x"');
  fc.assert(
    fc.property(validKey, validKey, option, hostileText, (first, second, opt, junk) => {
      assert.throws(() => parseKeyLine(`${opt} ${lineOf(first)}`), { code: 'ERR_INVALID_VALUE' });
      assert.throws(() => parseKeyLine(`${lineOf(first)}\r`), { code: 'ERR_INVALID_VALUE' });
      assert.throws(() => parseKeyLine(`${lineOf(first)}\0`), { code: 'ERR_INVALID_VALUE' });
      const data = [lineOf(first), `${opt} ${lineOf(second)}`, junk.replace(/\n/g, ' '), lineOf(second)].join('\n');
      const { keys, refused } = checkPublicKeys([{ name: 'smuggler', type: 'ssh', data }]);
      const blobs = keys.map((k) => k.blob);
      assert.ok(blobs.includes(first.blob.toString('base64')));
      assert.ok(blobs.includes(second.blob.toString('base64')));
      assert.ok(refused.some((r) => r.line.startsWith(opt)));
      for (const key of keys) assert.doesNotMatch(key.line, /[\n\r\0]|command=|from=/);
    }),
    RUNS,
  );
});

test('checkPublicKeys never throws; every non-blank line is kept once or refused with a reason', () => {
  const entry = fc.record({ name: hostileText, type: fc.constantFrom('ssh', 'x509', ''), data: fc.oneof(hostileText, fc.array(validKey, { maxLength: 4 }).map((keys) => keys.map(lineOf).join('\n'))) });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 6 }), (entries) => {
      const result = typed(() => checkPublicKeys(entries));
      assert.ok(result !== undefined, 'checkPublicKeys threw');
      const lines = entries.filter((e) => e.type !== 'x509').flatMap((e) => e.data.split('\n')).filter((l) => l.trim() !== '');
      const unique = new Set(result.keys.map((k) => `${k.type} ${k.blob}`));
      assert.equal(unique.size, result.keys.length);
      assert.ok(result.keys.length + result.refused.length <= lines.length);
      for (const bad of result.refused) assert.ok(bad.reason !== '' && lines.includes(bad.line));
    }),
    RUNS,
  );
});

test('10,000 keys in one entry are all checked', () => {
  const key = fc.sample(validKey, { numRuns: 1, seed: 6 })[0]!;
  const lines = Array.from({ length: 10_000 }, (_, i) => `${lineOf(key)} k${i}`);
  const other = fc.sample(validKey, { numRuns: 10_000, seed: 7 }).map(lineOf);
  const { keys, refused } = checkPublicKeys([{ name: 'many', type: 'ssh', data: [...lines, ...other].join('\n') }]);
  assert.equal(refused.length, 0);
  assert.equal(keys.length, new Set([key, ...fc.sample(validKey, { numRuns: 10_000, seed: 7 })].map((k) => k.blob.toString('base64'))).size);
});

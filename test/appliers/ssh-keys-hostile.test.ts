// The ssh-keys applier against hostile homes and authorized_keys files: hard links, odd bytes, damaged blocks, odd homes, root as the key user.
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BLOCK_BEGIN, BLOCK_END } from '../../src/appliers/key-block.js';
import { KEYS } from './keys.js';
import { keys, run } from './ssh-keys-run.js';
import { PASSWD, makeRoot, removeRoots, snapshot } from './root.js';

after(removeRoots);

function imageRoot(passwd = PASSWD): string {
  const root = makeRoot({ 'etc/passwd': passwd, 'etc/shadow': 'root:$6$secret:19000:0:99999:7:::\n' });
  for (const home of ['home/alice', 'home/bob', 'root']) mkdirSync(join(root, home), { recursive: true });
  return root;
}

const file = (root: string, home = 'home/alice'): string => join(root, home, '.ssh/authorized_keys');

test('an authorized_keys hard-linked to another file (etc/shadow) is refused: its bytes are never copied into the user’s file', async () => {
  const root = imageRoot();
  mkdirSync(join(root, 'home/alice/.ssh'));
  linkSync(join(root, 'etc/shadow'), file(root));
  const before = snapshot(root);
  const result = await run(root, keys(KEYS.rsa));
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0] ?? '', /authorized_keys.*2 hard links/);
  assert.ok(!result.errors[0]?.includes('\n'));
  assert.deepEqual(snapshot(root), before);
});

test('odd bytes outside the block survive adding and removing keys byte for byte: no final newline, CRLF, a BOM, invalid UTF-8', async () => {
  const originals = [
    Buffer.from('ssh-ed25519 AAAA mine'),
    Buffer.from('# mine\r\nssh-ed25519 AAAA mine\r\n'),
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('ssh-ed25519 AAAA mine\n')]),
    Buffer.from([0x23, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x00, 0x0a]),
    Buffer.from(`${KEYS.rsa}\n`),
  ];
  for (const original of originals) {
    const root = imageRoot();
    mkdirSync(join(root, 'home/alice/.ssh'));
    writeFileSync(file(root), original);
    const first = await run(root, keys(KEYS.rsa, KEYS.ed25519));
    assert.deepEqual(first.errors, []);
    const written = readFileSync(file(root));
    assert.ok(written.subarray(written.length - original.length).equals(original), 'the user’s bytes follow the block');
    assert.equal(written.subarray(0, written.length - original.length).toString(), `${BLOCK_BEGIN}\n${KEYS.rsa}\n${KEYS.ed25519}\n${BLOCK_END}\n`);
    await run(root, []);
    assert.ok(readFileSync(file(root)).equals(original), JSON.stringify(original.toString('latin1')));
  }
});

test('a block with CRLF markers (edited on Windows) is still found and replaced, not doubled', async () => {
  const root = imageRoot();
  mkdirSync(join(root, 'home/alice/.ssh'));
  writeFileSync(file(root), `${BLOCK_BEGIN}\r\n${KEYS.rsa}\r\n${BLOCK_END}\r\nmine\r\n`);
  const result = await run(root, keys(KEYS.ed25519));
  assert.deepEqual(result.errors, []);
  assert.equal(readFileSync(file(root), 'utf8'), `${BLOCK_BEGIN}\n${KEYS.ed25519}\n${BLOCK_END}\nmine\r\n`);
});

test('two blocks, BEGIN without END, or END before BEGIN are refused and the file is left as it is', async () => {
  const damaged = [
    `${BLOCK_BEGIN}\n${KEYS.rsa}\n${BLOCK_END}\n${BLOCK_BEGIN}\n${KEYS.ed25519}\n${BLOCK_END}\n`,
    `${BLOCK_BEGIN}\n${KEYS.rsa}\n`,
    `${BLOCK_END}\n${KEYS.rsa}\n${BLOCK_BEGIN}\n`,
  ];
  for (const text of damaged) {
    const root = imageRoot();
    mkdirSync(join(root, 'home/alice/.ssh'));
    writeFileSync(file(root), text);
    const before = snapshot(root);
    const result = await run(root, keys(KEYS.ecdsa256));
    assert.match(result.errors[0] ?? '', /block is damaged/);
    assert.deepEqual(snapshot(root), before);
  }
});

test('a key the user also listed outside the block stays there when the metadata drops it', async () => {
  const root = imageRoot();
  mkdirSync(join(root, 'home/alice/.ssh'));
  writeFileSync(file(root), `${KEYS.rsa}\n`);
  await run(root, keys(KEYS.rsa));
  assert.equal(readFileSync(file(root), 'utf8'), `${BLOCK_BEGIN}\n${KEYS.rsa}\n${BLOCK_END}\n${KEYS.rsa}\n`);
  await run(root, []);
  assert.equal(readFileSync(file(root), 'utf8'), `${KEYS.rsa}\n`);
});

test('an authorized_keys owned by another user with mode 0644 is rewritten 0600 and owned by the key user (sshd StrictModes)', async () => {
  const root = imageRoot();
  mkdirSync(join(root, 'home/alice/.ssh'));
  writeFileSync(file(root), 'mine\n', { mode: 0o644 });
  const result = await run(root, keys(KEYS.rsa));
  assert.deepEqual(result.errors, []);
  const stats = statSync(file(root));
  assert.deepEqual([stats.mode & 0o7777, stats.uid, stats.gid], [0o600, 1000, 1000]);
});

test('root as the key user gets /root/.ssh owned by root', async () => {
  const root = imageRoot();
  const result = await run(root, keys(KEYS.ed25519), 'root');
  assert.deepEqual(result.errors, []);
  const stats = statSync(file(root, 'root'));
  assert.deepEqual([stats.mode & 0o7777, stats.uid], [0o600, 0]);
});

test('a home with ".." fails the applier by name and writes nothing', async () => {
  const root = imageRoot('root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/../root:/bin/bash\n');
  const before = snapshot(root);
  const result = await run(root, keys(KEYS.ed25519));
  assert.match(result.errors[0] ?? '', /"\.\." is not allowed/);
  assert.deepEqual(snapshot(root), before);
});

test('a relative home is not a home: that passwd line is skipped', async () => {
  const root = imageRoot('root:x:0:0::/root:/bin/bash\neve:x:1000:1000::home/eve:/bin/bash\nalice:x:1001:1001::/home/alice:/bin/bash\n');
  const result = await run(root, keys(KEYS.ed25519));
  assert.deepEqual(result.errors, []);
  assert.equal(statSync(file(root)).uid, 1001);
});

test('no keys and a user without a home directory: nothing to do, not a failure', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD });
  const before = snapshot(root);
  const result = await run(root, []);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    result.changes.map((change) => change.action),
    ['noop'],
  );
  assert.deepEqual(snapshot(root), before);
});

test('a 100 MB authorized_keys is refused without reading it into memory; nothing written', async () => {
  const root = imageRoot();
  mkdirSync(join(root, 'home/alice/.ssh'));
  writeFileSync(file(root), '');
  const { truncateSync } = await import('node:fs');
  truncateSync(file(root), 100 * 1024 * 1024);
  const before = snapshot(root);
  const result = await run(root, keys(KEYS.rsa));
  assert.match(result.errors[0] ?? '', /authorized_keys.*over 16 MiB/);
  assert.deepEqual(snapshot(root), before);
});

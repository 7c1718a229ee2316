// Files under a root: symlinks anywhere below the root are refused with nothing written; writes are atomic with mode and owner.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  componentsOf,
  inspectUnder,
  makeDirectoriesUnder,
  makeDirectoryUnder,
  readFileUnder,
  resolveUnder,
  setOwnershipUnder,
  writeFileAtomic,
} from '../../src/system/files.js';
import { makeRoot, removeRoots, snapshot } from '../appliers/root.js';

after(removeRoots);

function code(expected: string): (error: Error & { code?: string }) => boolean {
  return (error) => error.code === expected && !error.message.includes('\n');
}

test('paths are taken inside the root; ".." is refused', () => {
  assert.deepEqual(componentsOf('/etc//hosts'), ['etc', 'hosts']);
  assert.equal(resolveUnder('/tmp/r', '/etc/hosts'), '/tmp/r/etc/hosts');
  assert.throws(() => resolveUnder('/tmp/r', '/etc/../../shadow'), code('ERR_UNSAFE_PATH'));
});

test('writeFileAtomic writes content, mode and owner, and leaves no temp file', async () => {
  const root = makeRoot({ 'etc/placeholder': '' });
  await writeFileAtomic(root, '/etc/hostname', 'web1\n', { mode: 0o640, uid: 1000, gid: 1001 });
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'web1\n');
  const stats = statSync(join(root, 'etc/hostname'));
  assert.equal(stats.mode & 0o7777, 0o640);
  assert.equal(stats.uid, 1000);
  assert.equal(stats.gid, 1001);
  await writeFileAtomic(root, '/etc/hostname', 'web2\n', { mode: 0o644 });
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'web2\n');
  assert.deepEqual(readdirSync(join(root, 'etc')).sort(), ['hostname', 'placeholder']);
});

test('a symlinked file, a symlinked directory on the way, and a missing parent are refused; nothing is written', async () => {
  const root = makeRoot({ 'outside/shadow': 'root:*:1::\n', 'home/alice/.profile': '' });
  symlinkSync(join(root, 'outside/shadow'), join(root, 'home/alice/authorized_keys'));
  symlinkSync(join(root, 'outside'), join(root, 'home/alice/.ssh'));
  const before = snapshot(root);
  await assert.rejects(writeFileAtomic(root, '/home/alice/authorized_keys', 'x', { mode: 0o600 }), code('ERR_UNSAFE_PATH'));
  await assert.rejects(writeFileAtomic(root, '/home/alice/.ssh/shadow', 'x', { mode: 0o600 }), code('ERR_UNSAFE_PATH'));
  await assert.rejects(writeFileAtomic(root, '/home/alice/.ssh/new', 'x', { mode: 0o600 }), code('ERR_UNSAFE_PATH'));
  await assert.rejects(readFileUnder(root, '/home/alice/.ssh/shadow'), code('ERR_UNSAFE_PATH'));
  await assert.rejects(setOwnershipUnder(root, '/home/alice/authorized_keys', { mode: 0o777 }), code('ERR_UNSAFE_PATH'));
  await assert.rejects(makeDirectoryUnder(root, '/home/alice/.ssh/sub', { mode: 0o700 }), code('ERR_UNSAFE_PATH'));
  await assert.rejects(writeFileAtomic(root, '/nowhere/file', 'x', { mode: 0o600 }), code('ERR_IO'));
  assert.deepEqual(snapshot(root), before);
});

test('a directory or a file in place of the other is refused', async () => {
  const root = makeRoot({ 'etc/hosts/inner': '', 'etc/file': '' });
  await assert.rejects(writeFileAtomic(root, '/etc/hosts', 'x', { mode: 0o644 }), code('ERR_UNSAFE_PATH'));
  await assert.rejects(readFileUnder(root, '/etc/file/below'), code('ERR_UNSAFE_PATH'));
  await assert.rejects(readFileUnder(root, '/etc/hosts'), code('ERR_UNSAFE_PATH'));
});

test('reading: a missing file is null, a present one its bytes', async () => {
  const root = makeRoot({ 'etc/hosts': '127.0.0.1 localhost\n' });
  assert.equal(await readFileUnder(root, '/etc/missing'), null);
  assert.equal(await readFileUnder(root, '/missing/dir/file'), null);
  assert.equal((await readFileUnder(root, '/etc/hosts'))?.toString(), '127.0.0.1 localhost\n');
  assert.equal((await inspectUnder(root, '/etc'))?.isDirectory(), true);
});

test('the root itself may be reached through a symlink', async () => {
  const real = makeRoot({ 'etc/hosts': 'x\n' });
  const parent = makeRoot();
  symlinkSync(real, join(parent, 'link'));
  assert.equal((await readFileUnder(join(parent, 'link'), '/etc/hosts'))?.toString(), 'x\n');
});

test('directories are made with mode and owner; missing ones on the way are created', async () => {
  const root = makeRoot();
  await makeDirectoriesUnder(root, '/a/b');
  assert.ok(statSync(join(root, 'a/b')).isDirectory());
  assert.equal(statSync(join(root, 'a')).mode & 0o777, 0o755);
  mkdirSync(join(root, 'home'));
  await makeDirectoryUnder(root, '/home/.ssh', { mode: 0o700, uid: 1000, gid: 1000 });
  const stats = statSync(join(root, 'home/.ssh'));
  assert.equal(stats.mode & 0o7777, 0o700);
  assert.equal(stats.uid, 1000);
  writeFileSync(join(root, 'home/f'), '');
  await setOwnershipUnder(root, '/home/f', { mode: 0o600, uid: 1002, gid: 1003 });
  assert.equal(statSync(join(root, 'home/f')).gid, 1003);
});

// Files under a root against a hostile local user: a directory swapped for a symlink or a hard link while mdctl works, FIFOs, huge files, leftover temp files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeDirectoryUnder, readFileUnder, setOwnershipUnder, writeFileAtomic } from '../../src/system/files.js';
import { makeRoot, removeRoots, snapshot } from '../appliers/root.js';

const racers: ChildProcess[] = [];

after(() => {
  for (const racer of racers) racer.kill('SIGKILL');
  removeRoots();
});

function code(expected: string): (error: Error & { code?: string }) => boolean {
  return (error) => error.code === expected && !error.message.includes('\n');
}

/**
 * A process that keeps swapping `dir` for a symlink to `outside` and back, as fast as it can,
 * the way a local user owning the parent could while mdctl works. Resolves once it runs.
 */
function swapper(dir: string, outside: string): Promise<ChildProcess> {
  const script = `
    const fs = require('node:fs');
    const [dir, outside] = process.argv.slice(1);
    const aside = dir + '.real';
    process.stdout.write('ready\\n');
    for (;;) {
      try { fs.renameSync(dir, aside); fs.symlinkSync(outside, dir); fs.unlinkSync(dir); fs.renameSync(aside, dir); } catch {}
    }`;
  const child = spawn(process.execPath, ['-e', script, dir, outside], { stdio: ['ignore', 'pipe', 'ignore'] });
  racers.push(child);
  return new Promise((resolve) => child.stdout?.once('data', () => resolve(child)));
}

test('a .ssh swapped for a symlink while mdctl writes, reads and chowns never leads mdctl outside', async () => {
  const root = makeRoot({ 'home/alice/.ssh/authorized_keys': 'mine\n', 'outside/authorized_keys': 'root only\n', 'outside/secret': 's\n' });
  const outside = join(root, 'outside');
  const before = snapshot(outside);
  const racer = await swapper(join(root, 'home/alice/.ssh'), outside);
  const leaked: string[] = [];
  for (let i = 0; i < 800; i += 1) {
    await writeFileAtomic(root, '/home/alice/.ssh/authorized_keys', `keys ${i}\n`, { mode: 0o600, uid: 1000, gid: 1000 }).catch(() => undefined);
    await setOwnershipUnder(root, '/home/alice/.ssh/authorized_keys', { mode: 0o666, uid: 1000, gid: 1000 }).catch(() => undefined);
    await makeDirectoryUnder(root, `/home/alice/.ssh/d${i}`, { mode: 0o777, uid: 1000, gid: 1000 }).catch(() => undefined);
    const read = await readFileUnder(root, '/home/alice/.ssh/secret').catch(() => null);
    if (read !== null) leaked.push(read.toString());
  }
  racer.kill('SIGKILL');
  assert.deepEqual(snapshot(outside), before);
  assert.deepEqual(leaked, []);
});

test('a name swapped for a hard link to a file of root is never chowned or made a directory owner', async () => {
  const root = makeRoot({ 'home/alice/placeholder': '', 'etc/shadow': 'root:*:1::\n' });
  linkSync(join(root, 'etc/shadow'), join(root, 'home/alice/.ssh'));
  const before = snapshot(join(root, 'etc'));
  await assert.rejects(setOwnershipUnder(root, '/home/alice/.ssh', { mode: 0o700, uid: 1000, gid: 1000 }, 'directory'), code('ERR_UNSAFE_PATH'));
  assert.deepEqual(snapshot(join(root, 'etc')), before);
  assert.equal(statSync(join(root, 'etc/shadow')).uid, 0);
});

test('reading refuses a FIFO, a device and a file over the size limit, without blocking', async () => {
  const root = makeRoot({ 'etc/placeholder': '' });
  execFileSync('mkfifo', [join(root, 'etc/fifo')]);
  writeFileSync(join(root, 'etc/big'), '');
  truncateSync(join(root, 'etc/big'), 64 * 1024 * 1024 + 1);
  await assert.rejects(readFileUnder(root, '/etc/fifo'), code('ERR_UNSAFE_PATH'));
  await assert.rejects(readFileUnder(root, '/etc/big'), (error: Error & { code?: string }) => error.code === 'ERR_IO' && /over 64 MiB/.test(error.message));
  assert.equal((await readFileUnder(root, '/etc/big', { maxBytes: 128 * 1024 * 1024 }))?.length, 64 * 1024 * 1024 + 1);
});

test('temp files left by a run killed before its rename are removed by the next write of that file, and never read as the file', async () => {
  const dead = spawnSync('true').pid;
  const root = makeRoot({ 'etc/hosts': 'old\n', [`etc/.hosts.mdctl-${dead}-0123456789ab`]: 'half written', [`etc/.other.mdctl-${dead}-0123456789ab`]: 'not ours' });
  assert.equal((await readFileUnder(root, '/etc/hosts'))?.toString(), 'old\n');
  await writeFileAtomic(root, '/etc/hosts', 'new\n', { mode: 0o644 });
  assert.deepEqual(readdirSync(join(root, 'etc')).sort(), [`.other.mdctl-${dead}-0123456789ab`, 'hosts']);
  assert.equal(readFileSync(join(root, 'etc/hosts'), 'utf8'), 'new\n');
});

test('the temp file of another mdctl still running is left alone, so concurrent writers both succeed', async () => {
  const live = `.hosts.mdctl-${process.ppid}-0123456789ab`;
  const root = makeRoot({ 'etc/hosts': 'old\n', [`etc/${live}`]: 'being written' });
  await Promise.all([1, 2, 3].map((n) => writeFileAtomic(root, '/etc/hosts', `new ${n}\n`, { mode: 0o644 })));
  assert.deepEqual(readdirSync(join(root, 'etc')).sort(), [live, 'hosts']);
  assert.match(readFileSync(join(root, 'etc/hosts'), 'utf8'), /^new [123]\n$/);
});

test('a leftover temp name that is a symlink or a directory is not followed or removed', async () => {
  const dead = spawnSync('true').pid;
  const root = makeRoot({ 'etc/hosts': 'old\n', 'outside/x': 'keep\n' });
  symlinkSync(join(root, 'outside/x'), join(root, `etc/.hosts.mdctl-${dead}-aaaaaaaaaaaa`));
  mkdirSync(join(root, `etc/.hosts.mdctl-${dead}-bbbbbbbbbbbb`));
  await writeFileAtomic(root, '/etc/hosts', 'new\n', { mode: 0o644 });
  assert.equal(readFileSync(join(root, 'outside/x'), 'utf8'), 'keep\n');
  assert.deepEqual(readdirSync(join(root, 'etc')).sort(), [`.hosts.mdctl-${dead}-aaaaaaaaaaaa`, `.hosts.mdctl-${dead}-bbbbbbbbbbbb`, 'hosts']);
});

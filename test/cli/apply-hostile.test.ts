// `mdctl apply` as a process when the disk says no: a state dir that cannot take the state, a read-only root (EROFS) in a mount namespace.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { writeCache } from '../../src/cache/cache.js';
import { PASSWD, doc, makeRoot, removeRoots, snapshot } from '../appliers/root.js';

after(removeRoots);

/** Runs a shell script in a new mount namespace (mounts vanish with it) with $1..$4 = root, cache, state, config. */
function inMountNamespace(script: string, s: { root: string; cache: string; state: string; config: string }): Promise<{ stdout: string; stderr: string; code: number }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MDCTL_')));
  return promisify(execFile)('unshare', ['--mount', 'sh', '-c', script, 'sh', s.root, s.cache, s.state, s.config], { env }).then(
    (out) => ({ ...out, code: 0 }),
    (error: { stdout: string; stderr: string; code: number }) => error,
  );
}

async function setup(): Promise<{ root: string; cache: string; state: string; config: string }> {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/hosts': '127.0.0.1 localhost\n' });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  const cache = makeRoot();
  await writeCache(cache, doc());
  const state = makeRoot();
  const config = join(makeRoot({ 'config.yaml': '# none\n' }), 'config.yaml');
  return { root, cache, state, config };
}

test('a state dir that fills up after the changes applied: reported with the plan summary, exit 3, not a bare exit 1', async () => {
  const s = await setup();
  const bin = resolve('bin/mdctl.js');
  const script = `mount -t tmpfs -o size=16k tmpfs "$3" && head -c 12288 /dev/zero > "$3/filler" && exec "${process.execPath}" "${bin}" apply --root "$1" --no-live --cache-dir "$2" --state-dir "$3" --config "$4" --only hostname`;
  const { stdout, stderr, code } = await inMountNamespace(script, s);
  assert.equal(code, 3, stderr);
  assert.match(stderr, /^mdctl: state: cannot write .*\.json.*ENOSPC$/m);
  assert.match(stdout, /\d+ applied/);
});

test('a read-only root: each applier that writes fails with EROFS by name, exit 3, nothing changed', async () => {
  const s = await setup();
  const before = snapshot(s.root);
  const bin = resolve('bin/mdctl.js');
  const script = `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "${process.execPath}" "${bin}" apply --root "$1" --no-live --cache-dir "$2" --state-dir "$3" --config "$4" --only hostname,ssh-keys`;
  const { stdout, stderr, code } = await inMountNamespace(script, s);
  assert.equal(code, 3, stderr);
  assert.match(stderr, /^mdctl: hostname: .*etc\/hostname.*EROFS$/m);
  assert.ok(stdout.length > 0);
  assert.deepEqual(snapshot(s.root), before);
});

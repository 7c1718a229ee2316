// Fault matrix, local faults: read-only and full file systems under the root, SIGKILL mid-apply, two boots at once, a corrupt cache (see matrix.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';
import type { Emulator } from '../helpers/emulator.js';
import { ENV, HOSTS, USER_KEY, bootArgs, cacheDocument, cleanResult, emulatorWith, makeBox, removeWork, tree, workDir, type Box } from './matrix.js';

let emulator: Emulator;

before(async () => {
  emulator = await emulatorWith();
});

after(async () => {
  await emulator.stop();
  removeWork();
});

/** Runs `script` in a private mount namespace with the root, ssh dir and report path in the environment; "$0" "$@" is mdctl boot. */
function inMountNamespace(box: Box, script: string, report: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runCli([...bootArgs(box, 10), '--endpoint', emulator.url], {
    wrap: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `set -e\n${script}`],
    env: { ...ENV, ROOT: box.root, SSH: join(box.root, 'home/alice/.ssh'), REPORT: report },
  });
}

function errorLines(stderr: string): string[] {
  const lines = stderr.split('\n').filter((line) => line !== '');
  for (const line of lines) assert.match(line, /^mdctl: /, `a stray stderr line: ${JSON.stringify(line)}`);
  return lines.filter((line) => !line.startsWith('mdctl: warning: '));
}

test('a read-only file system under the root: every file applier fails on one line, exit 3, the root untouched, the cache written', async () => {
  const box = await makeBox();
  const before = tree(box.root, true);
  const result = await inMountNamespace(box, 'mount --bind "$ROOT" "$ROOT"\nmount -o remount,bind,ro "$ROOT"\nexec "$0" "$@"', '');
  assert.equal(result.status, 3, result.stderr);
  const errors = errorLines(result.stderr);
  assert.ok(errors.some((line) => /^mdctl: hostname: .*\/etc\/hostname: cannot write ".*": EROFS$/.test(line)), result.stderr);
  assert.ok(errors.some((line) => /^mdctl: ssh-keys: .*authorized_keys: cannot write ".*": EROFS$/.test(line)), result.stderr);
  assert.deepEqual(tree(box.root, true), before);
  assert.equal(cacheDocument(box), (await cleanResult()).cache);
});

test('a full file system (a 64 KiB tmpfs on ~/.ssh): ssh-keys fails with ENOSPC, authorized_keys whole, no temp file left; hostname applied, exit 3', async () => {
  const box = await makeBox();
  const report = join(workDir('report'), 'ssh.txt');
  const script = [
    'cp -a "$SSH" "$SSH.saved"',
    'mount -t tmpfs -o size=64k,mode=700 tmpfs "$SSH"',
    'cp -a "$SSH.saved/." "$SSH/"',
    'chown 1000:1000 "$SSH"',
    'dd if=/dev/zero of="$SSH/.filler" bs=4096 2>/dev/null || true',
    'status=0',
    '"$0" "$@" || status=$?',
    '(cd "$SSH" && ls -A && cat authorized_keys) > "$REPORT"',
    'exit $status',
  ].join('\n');
  const result = await inMountNamespace(box, script, report);
  assert.equal(result.status, 3, result.stderr);
  const errors = errorLines(result.stderr);
  assert.equal(errors.length, 1, result.stderr);
  assert.match(errors[0]!, /^mdctl: ssh-keys: \S*\/authorized_keys: cannot write ".*\/authorized_keys": ENOSPC$/);
  assert.equal(readFileSync(report, 'utf8'), `.filler\nauthorized_keys\n${USER_KEY}\n`);
  const clean = await cleanResult();
  const after = tree(box.root);
  for (const path of ['./etc/hostname', './etc/hosts']) assert.equal(after[path], clean.root[path], path);
});

/** The bytes of the three files boot writes, as the image had them and as a clean boot leaves them. */
function targets(root: string): Record<string, string> {
  const read = (path: string): string => readFileSync(join(root, path), 'latin1');
  return { hostname: read('etc/hostname'), hosts: read('etc/hosts'), keys: read('home/alice/.ssh/authorized_keys') };
}

/** Where a run is killed: when the cache is written, when the first temp of etc/hostname appears, or when a target is renamed into place. */
type KillPoint = 'cache' | 'temp' | 'hostname' | 'hosts' | 'keys';
const KILL_POINTS: readonly KillPoint[] = ['cache', 'temp', 'hostname', 'hosts', 'keys'];

/** Resolves when the event of `point` is seen in the box (inotify, through fs.watch): the watchers are set before the run starts. */
function killPoint(box: Box, point: KillPoint): { seen: Promise<void>; close(): void } {
  const watched: Record<KillPoint, [string, (name: string) => boolean]> = {
    cache: [box.cache, (name) => name === 'instance.json'],
    temp: [join(box.root, 'etc'), (name) => name.startsWith('.hostname.mdctl-')],
    hostname: [join(box.root, 'etc'), (name) => name === 'hostname'],
    hosts: [join(box.root, 'etc'), (name) => name === 'hosts'],
    keys: [join(box.root, 'home/alice/.ssh'), (name) => name === 'authorized_keys'],
  };
  const [dir, matches] = watched[point];
  let watcher: FSWatcher | undefined;
  const seen = new Promise<void>((resolve) => {
    watcher = watch(dir, (_event, name) => {
      if (name !== null && matches(name)) resolve();
    });
  });
  return { seen, close: () => watcher?.close() };
}

const temps = (root: string): string[] => ['etc', 'home/alice/.ssh'].flatMap((dir) => readdirSync(join(root, dir)).filter((name) => name.includes('.mdctl-')));

test('SIGKILL at each point of a boot: every file is the old or the new one, never half-written, the renamed one new; the next boot finishes the job and clears the temps', async (t) => {
  const reference = await makeBox();
  const clean = await runCli([...bootArgs(reference, 10), '--endpoint', emulator.url], { env: ENV });
  assert.equal(clean.status, 0, clean.stderr);
  const done = targets(reference.root);
  const original = { hostname: 'debian\n', hosts: HOSTS, keys: `${USER_KEY}\n` };
  for (const name of ['hostname', 'hosts', 'keys'] as const) assert.notEqual(original[name], done[name], name);
  const reached = new Set<string>();
  for (const point of [...KILL_POINTS, ...KILL_POINTS]) {
    const box = await makeBox();
    rmSync(box.cache, { recursive: true });
    mkdirSync(box.cache);
    const when = killPoint(box, point);
    const child = spawn(process.execPath, [BIN, ...bootArgs(box, 10), '--endpoint', emulator.url], { stdio: 'ignore', env: { ...process.env, ...ENV } });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await Promise.race([when.seen, exited]);
    when.close();
    child.kill('SIGKILL');
    const signal = await exited;
    const now = targets(box.root);
    const state = (['hostname', 'hosts', 'keys'] as const).map((name) => {
      assert.ok(now[name] === original[name] || now[name] === done[name], `${point}: ${name} is neither old nor new: ${JSON.stringify(now[name])}`);
      return `${name}=${now[name] === done[name] ? 'new' : 'old'}`;
    });
    if (point !== 'cache' && point !== 'temp') assert.ok(state.includes(`${point}=new`), `${point}: renamed into place, so new: ${state.join(' ')}`);
    // A run may finish between the last rename and the kill: then it is all new.
    assert.ok(signal === 'SIGKILL' || state.every((entry) => entry.endsWith('=new')), `${point}: ended by ${signal}: ${state.join(' ')}`);
    reached.add(state.join(' '));
    const after = await runCli([...bootArgs(box, 10), '--endpoint', emulator.url], { env: ENV });
    assert.equal(after.status, 0, `${point}: ${after.stderr}`);
    assert.deepEqual(targets(box.root), done);
    assert.deepEqual(temps(box.root), [], `${point}: the next boot removes the temps the killed run left`);
  }
  t.diagnostic(`states reached: ${[...reached].sort().join('; ')}`);
});

test('two boots at once: the second waits for the lock, they never interleave, both exit 0, the result is a clean boot', async () => {
  const box = await makeBox();
  const log = join(workDir('plugin'), 'log');
  const plugin = join(workDir('plugin'), 'slow.mjs');
  writeFileSync(log, '');
  writeFileSync(
    plugin,
    [
      "import { appendFileSync } from 'node:fs';",
      'export default {',
      "  id: 'slow', description: 'records when it plans, slowly',",
      `  async plan() { appendFileSync(${JSON.stringify(log)}, \`start \${process.pid}\\n\`); await new Promise((r) => setTimeout(r, 300)); appendFileSync(${JSON.stringify(log)}, \`end \${process.pid}\\n\`); return []; },`,
      '  async apply() {},',
      '};',
      '',
    ].join('\n'),
  );
  const args = [...bootArgs(box, 30), '--endpoint', emulator.url, '--applier', plugin];
  const [first, second] = await Promise.all([runCli(args, { env: ENV }), runCli(args, { env: ENV })]);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(second.status, 0, second.stderr);
  const events = readFileSync(log, 'utf8').trim().split('\n').map((line) => line.split(' '));
  assert.equal(events.length, 4);
  assert.deepEqual(events.map(([kind]) => kind), ['start', 'end', 'start', 'end'], 'one run plans and applies entirely before the other');
  assert.equal(events[0]![1], events[1]![1]);
  assert.equal(events[2]![1], events[3]![1]);
  assert.deepEqual(tree(box.root), (await cleanResult()).root);
  assert.equal(existsSync(join(box.state, 'lock')), false);
});

test('a corrupt cache file: mdctl apply ignores it with a warning, fetches again, applies; exit 0, like a clean boot', async () => {
  const box = await makeBox();
  writeFileSync(join(box.cache, 'instance.json'), '{"schema": 1, "instance_id": "795fed3a-431a-4b89-bd80-ffac22196e72", "hostname": "evil", ');
  const result = await runCli(
    ['apply', '--root', box.root, '--no-live', '--cache-dir', box.cache, '--state-dir', box.state, '--config', box.config, '--endpoint', emulator.url, '--quiet'],
    { env: ENV },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /^mdctl: warning: cache ignored: .*instance\.json.*; fetching again$/m);
  const clean = await cleanResult();
  assert.deepEqual(tree(box.root), clean.root);
  assert.equal(cacheDocument(box), clean.cache);
  assert.deepEqual(readdirSync(box.cache).sort(), ['instance-sensitive.json', 'instance.json']);
});

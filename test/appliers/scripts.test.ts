// The scripts applier with real processes: order, once per instance, logs and statuses, failure, timeout, not live, dry run.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyPlanned, planAppliers } from '../../src/appliers/runner.js';
import { scriptsApplier, scriptsDir, type ScriptStatus } from '../../src/appliers/scripts.js';
import type { Instance } from '../../src/core/instance.js';
import { copyPrograms } from '../helpers/chroot.js';
import { doc } from './root.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Whether `pid` runs: a zombie waiting for its parent to reap it has ended. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mdctl-scripts-'));
  dirs.push(dir);
  return dir;
}

function multipart(out: string): string {
  return [
    'Content-Type: multipart/mixed; boundary="b"',
    'MIME-Version: 1.0',
    '',
    '--b',
    'Content-Type: text/cloud-config',
    '',
    '#cloud-config',
    'packages: [git]',
    'runcmd:',
    `  - echo "runcmd shell $0" >> ${out}`,
    `  - [/bin/sh, -c, "echo runcmd argv >> ${out}"]`,
    '--b',
    'Content-Type: text/x-shellscript',
    '',
    '#!/bin/sh',
    `echo "script $(id -u)" >> ${out}`,
    'echo to-stdout; echo to-stderr >&2',
    '--b',
    'Content-Type: text/x-include-url',
    'Content-Disposition: attachment; filename="inc.txt"',
    '',
    '#include',
    'http://example.invalid/',
    '--b--',
    '',
  ].join('\n');
}

async function run(document: Instance, stateDir: string | undefined, options: { live?: boolean; dryRun?: boolean; timeoutMs?: number; root?: string } = {}) {
  const applier = scriptsApplier({ stateDir, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
  const runs = await planAppliers([applier], document, { root: options.root ?? '/', live: options.live ?? true, dryRun: options.dryRun ?? false, user: undefined }, {});
  await applyPlanned(runs);
  return runs[0]!;
}

function status(stateDir: string, instanceId: string, name: string): ScriptStatus {
  return JSON.parse(readFileSync(join(scriptsDir(stateDir, instanceId), `${name}.status.json`), 'utf8')) as ScriptStatus;
}

test('"#!" parts run first, then runcmd in order; each once per instance, logged, with a status; a new instance id runs them again', async () => {
  const work = tempDir();
  const stateDir = join(work, 'state');
  const out = join(work, 'out.txt');
  const document = doc({ user_data: multipart(out) });
  const first = await run(document, stateDir);
  assert.deepEqual(first.errors, []);
  assert.deepEqual(first.warnings, [
    'user-data part 2 (text/x-include-url, "inc.txt", 32 bytes) is kept and not run: mdctl acts only on cloud-config and "#!" scripts',
    'cloud-config keys ignored (not supported): "packages"',
  ]);
  assert.deepEqual(first.results.map((result) => [result.change.target.split(' ')[0], result.status]), [
    ['part-001', 'applied'],
    ['runcmd-000', 'applied'],
    ['runcmd-001', 'applied'],
  ]);
  assert.equal(readFileSync(out, 'utf8'), 'script 0\nruncmd shell /bin/sh\nruncmd argv\n');
  const dir = scriptsDir(stateDir, document.instance_id);
  assert.equal(readFileSync(join(dir, 'part-001.log'), 'utf8'), 'to-stdout\nto-stderr\n');
  assert.equal(lstatSync(join(dir, 'part-001')).mode & 0o7777, 0o700, 'script files are 0700');
  assert.equal(lstatSync(join(dir, 'part-001.log')).mode & 0o7777, 0o600);
  const done = status(stateDir, document.instance_id, 'part-001');
  assert.deepEqual([done.state, done.exit_code, done.timed_out], ['finished', 0, false]);

  const second = await run(document, stateDir);
  assert.deepEqual(second.changes.map((change) => change.action), ['noop', 'noop', 'noop']);
  assert.match(second.changes[0]?.summary ?? '', /^ran at .* \(exit 0\); once per instance$/);
  assert.equal(readFileSync(out, 'utf8'), 'script 0\nruncmd shell /bin/sh\nruncmd argv\n', 'not run again');

  const other = await run({ ...document, instance_id: 'i-new-instance' }, stateDir);
  assert.deepEqual(other.results.map((result) => result.status), ['applied', 'applied', 'applied']);
  assert.equal(readFileSync(out, 'utf8').split('\n').length - 1, 6);
});

test('a failing script fails the applier with its status and log; the next one still runs; neither runs again', async () => {
  const work = tempDir();
  const stateDir = join(work, 'state');
  const out = join(work, 'after.txt');
  const document = doc({ user_data: `#cloud-config\nruncmd:\n  - echo failing >&2; exit 7\n  - [/no/such/program]\n  - touch ${out}\n` });
  const result = await run(document, stateDir);
  const dir = scriptsDir(stateDir, document.instance_id);
  assert.deepEqual(result.errors, [
    `runcmd-000 "/bin/sh -c echo failing >&2; exit 7": exit status 7 (output in "${join(dir, 'runcmd-000.log')}")`,
    `runcmd-001 "/no/such/program": could not start: ENOENT (output in "${join(dir, 'runcmd-001.log')}")`,
  ]);
  assert.ok(existsSync(out), 'the entry after the failures ran');
  assert.equal(readFileSync(join(dir, 'runcmd-000.log'), 'utf8'), 'failing\n');
  assert.deepEqual([status(stateDir, document.instance_id, 'runcmd-000').exit_code, status(stateDir, document.instance_id, 'runcmd-001').start_error], [7, 'ENOENT']);
  const again = await run(document, stateDir);
  assert.deepEqual(again.errors, []);
  assert.deepEqual(again.changes.map((change) => change.action), ['noop', 'noop', 'noop']);
});

test('a script that hangs is killed at the timeout with its children; the applier fails and the next one runs', async () => {
  const work = tempDir();
  const stateDir = join(work, 'state');
  const pidFile = join(work, 'child-pid');
  const document = doc({
    user_data: `#cloud-config\nruncmd:\n  - sleep 600 & echo $! > ${pidFile}; sleep 600\n  - touch ${join(work, 'next')}\n`,
  });
  const result = await run(document, stateDir, { timeoutMs: 300 });
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0] ?? '', /^runcmd-000 .*: timed out after 0.3 s and was killed \(output in /);
  assert.deepEqual([status(stateDir, document.instance_id, 'runcmd-000').timed_out, status(stateDir, document.instance_id, 'runcmd-000').signal], [true, 'SIGKILL']);
  assert.ok(existsSync(join(work, 'next')));
  // The script's own child would sleep for ten minutes: it ends at once (the kill reaches it) only if the group was killed.
  const child = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(child > 1);
  const until = Date.now() + 10_000;
  while (alive(child) && Date.now() < until) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(!alive(child), 'the process group was killed');
});

test('not live, a dry run, or no state dir: planned and shown, never run, nothing recorded', async () => {
  const work = tempDir();
  const stateDir = join(work, 'state');
  const out = join(work, 'out.txt');
  const document = doc({ user_data: `#!/bin/sh\ntouch ${out}\n` });
  const notLive = await run(document, stateDir, { live: false });
  assert.deepEqual(notLive.results.map((result) => [result.change.action, result.change.skipped, result.status]), [['create', 'not live', 'skipped']]);
  const dry = await run(document, stateDir, { dryRun: true });
  assert.deepEqual(dry.results.map((result) => result.status), ['dry-run']);
  const stateless = await run(document, undefined);
  assert.deepEqual(stateless.results.map((result) => [result.change.skipped, result.status]), [['no state dir', 'skipped']]);
  assert.ok(!existsSync(out));
  assert.ok(!existsSync(stateDir));
});

test('a script that was started but never finished (the machine went down) is not run again', async () => {
  const work = tempDir();
  const stateDir = join(work, 'state');
  const document = doc({ user_data: `#!/bin/sh\nexit 0\n` });
  await run(document, stateDir);
  const dir = scriptsDir(stateDir, document.instance_id);
  const file = join(dir, 'part-000.status.json');
  const started = { ...status(stateDir, document.instance_id, 'part-000'), state: 'started' };
  await import('node:fs/promises').then((fs) => fs.writeFile(file, JSON.stringify(started)));
  const again = await run(document, stateDir);
  assert.match(again.changes[0]?.summary ?? '', /^started at .* and never finished; not run again for this instance$/);
  assert.deepEqual(readdirSync(dir).sort(), ['part-000', 'part-000.log', 'part-000.status.json']);
});

test('malformed user-data fails the applier with the reason and runs nothing', async () => {
  const work = tempDir();
  const result = await run(doc({ user_data: 'Content-Type: multipart/mixed; boundary=b\n\n--b\n\n#!/bin/sh\ntouch /tmp/never\n' }), join(work, 'state'));
  assert.deepEqual(result.changes, []);
  assert.deepEqual(result.errors, ['user-data refused: part 0 (multipart): malformed MIME: no closing boundary "--b--" (truncated?)']);
  assert.ok(!existsSync(join(work, 'state')));
});

/** The file the chrooted scripts write at their /: on the host's / only if they escaped (removed after the tests). */
const proof = `mdctl-test-chroot-proof-${process.pid}`;
after(() => rmSync(join('/', proof), { force: true }));

/** A root of its own with /bin/sh and the libraries ldd names for it, and a file only it has. */
function shellRoot(): string {
  const root = tempDir();
  copyPrograms(root, ['/bin/sh']);
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/only-in-this-root'), 'yes\n');
  return root;
}

test('with a root that is not / and live: parts and runcmd run chrooted into it, not on the host; the copy in the root is removed', async () => {
  const root = shellRoot();
  const stateDir = join(tempDir(), 'state');
  const userData = [
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/x-shellscript',
    '',
    '#!/bin/sh',
    `read seen < /etc/only-in-this-root; echo "part $seen $0" > /${proof}`,
    '--b',
    'Content-Type: text/cloud-config',
    '',
    '#cloud-config',
    'runcmd:',
    `  - read seen < /etc/only-in-this-root; echo "runcmd $seen" >> /${proof}`,
    '--b--',
    '',
  ].join('\n');
  const result = await run(doc({ user_data: userData }), stateDir, { root });
  assert.deepEqual(result.errors, []);
  assert.match(result.changes[0]?.summary ?? '', new RegExp(`^run once for this instance, chrooted into "${root}" \\(timeout 300 s\\)$`));
  assert.equal(readFileSync(join(root, proof), 'utf8'), 'part yes /run/mdctl-scripts/part-000\nruncmd yes\n');
  assert.ok(!existsSync(join('/', proof)), 'nothing ran on the host');
  assert.deepEqual(readdirSync(join(root, 'run/mdctl-scripts')), []);
  assert.ok(existsSync(join(scriptsDir(stateDir, doc().instance_id), 'part-000')), 'the state dir keeps the record of what ran');

  const notLive = await run(doc({ user_data: userData, instance_id: 'another' }), stateDir, { root, live: false });
  assert.deepEqual(notLive.results.map((entry) => [entry.change.skipped, entry.status]), [['not live', 'skipped'], ['not live', 'skipped']]);
});

test('a root whose /run is a symbolic link: the part is not copied through it, fails with the reason, and is not counted as run', async () => {
  const root = shellRoot();
  const elsewhere = tempDir();
  symlinkSync(elsewhere, join(root, 'run'));
  const stateDir = join(tempDir(), 'state');
  const document = doc({ user_data: '#!/bin/sh\ntrue\n' });
  const result = await run(document, stateDir, { root });
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0] ?? '', /^part-000 .*symbolic link/);
  assert.deepEqual(readdirSync(elsewhere), []);
  rmSync(join(root, 'run'));
  const again = await run(document, stateDir, { root });
  assert.deepEqual([again.errors, again.results.map((entry) => entry.status)], [[], ['applied']]);
});

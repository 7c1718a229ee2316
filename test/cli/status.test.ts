// `mdctl status` as a process beside a real `boot` on loopback: --wait started first ends with boot's status, --long lists the requests boot made, a plain user, bad reports.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { HttpStep } from '../../src/core/timeline.js';
import type { BootReport } from '../../src/status/report.js';
import { PASSWD, makeRoot, removeRoots } from '../appliers/root.js';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, writeFixture } from '../helpers/emulator.js';
import { closedPort } from '../sources/front.js';

after(removeRoots);

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined, INVOCATION_ID: undefined };
const INSTANCE_ID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const BUNDLE = fileURLToPath(new URL('../../../dist/mdctl.mjs', import.meta.url));

interface Dirs {
  state: string;
  bootArgs: string[];
}

function dirs(): Dirs {
  const root = makeRoot({ 'etc/passwd': PASSWD });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  const state = join(makeRoot(), 'state');
  const config = join(makeRoot({ 'config.yaml': '' }), 'config.yaml');
  return { state, bootArgs: ['--root', root, '--no-live', '--state-dir', state, '--cache-dir', makeRoot(), '--config', config] };
}

/** `mdctl status ARGS` as a process; resolves `waiting` once it says it waits, `done` when it exits. */
function startStatus(args: string[]): { waiting: Promise<void>; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, 'status', ...args], { env: { ...process.env, NO_COLOR: '1', ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let said: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => (said = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (/^waiting for /m.test(stderr)) said();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      said();
      resolve({ status, signal, stdout, stderr });
    });
  });
  return { waiting, done };
}

function reportOf(state: string): BootReport {
  return JSON.parse(readFileSync(join(state, 'boot-report.json'), 'utf8')) as BootReport;
}

describe('status --wait started before boot', () => {
  const plugins = makeRoot({ 'boom.mjs': `export default { id: 'boom', description: 'fails', async plan() { throw new Error('boom'); }, async apply() {} };\n` });
  const cases: Array<[string, number, () => Promise<{ faults?: string; extra: string[] }>]> = [
    ['a boot that succeeds', 0, async () => ({ extra: [] })],
    ['a boot where an applier fails', 3, async () => ({ extra: ['--applier', join(plugins, 'boom.mjs')] })],
    ['a boot the service refuses', 5, async () => ({ faults: await writeFixture('- path: /openstack/*/meta_data.json\n  status: 403\n'), extra: [] })],
  ];
  for (const [what, expected, setup] of cases) {
    it(`returns when ${what} ends, with its exit status ${expected}`, async () => {
      const { faults, extra } = await setup();
      const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE, ...(faults === undefined ? {} : { faults }) });
      try {
        const d = dirs();
        const waiter = startStatus(['--wait', '--state-dir', d.state]);
        await waiter.waiting;
        const boot = await runCli(['boot', '--endpoint', emulator.url, ...d.bootArgs, ...extra], { env: ENV });
        assert.equal(boot.status, expected, boot.stderr);
        const result = await waiter.done;
        assert.equal(result.status, expected, result.stderr + result.stdout);
        assert.match(result.stderr, /^waiting for this boot's run of mdctl to end \(status now: not run\)\n$/);
        assert.match(result.stdout, expected === 0 ? /^status: done\n/ : new RegExp(`^status: error \\(exit ${expected}\\)\\n`));
        if (expected !== 5) assert.match(result.stdout, new RegExp(`^instance: ${INSTANCE_ID}$`, 'm'));
      } finally {
        await emulator.stop();
      }
    });
  }
});

describe('a boot that ends with 4', () => {
  it('under systemd (INVOCATION_ID) is still running: --wait ends only at --timeout, exit 4', async () => {
    const d = dirs();
    const boot = await runCli(['boot', '--endpoint', await closedPort(), '--timeout', '1', ...d.bootArgs], { env: { ...ENV, INVOCATION_ID: 'test-unit' } });
    assert.equal(boot.status, 4, boot.stderr);
    assert.equal(reportOf(d.state).stages.boot?.restarts, true);
    const started = Date.now();
    const result = await runCli(['status', '--wait', '--timeout', '2', '--state-dir', d.state], { env: ENV, timeoutMs: 20_000 });
    assert.equal(result.status, 4);
    assert.ok(Date.now() - started >= 2000, 'it waited for the deadline');
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, "waiting for this boot's run of mdctl to end (status now: running)\nmdctl: status --wait: this boot's run of mdctl is not over after 2 s (running) (it may still be waiting for the metadata service; see `mdctl status --long`)\n");
    const status = await runCli(['status', '--state-dir', d.state], { env: ENV });
    assert.equal(status.status, 0);
    assert.match(status.stdout, /^status: running\ninstance: -\nboot: exit 4 in [\d.]+ s: .*; systemd will run it again\n$/);
  });

  it('outside systemd is over: --wait returns 4 at once', async () => {
    const d = dirs();
    const boot = await runCli(['boot', '--endpoint', await closedPort(), '--timeout', '1', ...d.bootArgs], { env: ENV });
    assert.equal(boot.status, 4, boot.stderr);
    const result = await runCli(['status', '--wait', '--state-dir', d.state], { env: ENV, timeoutMs: 10_000 });
    assert.equal(result.status, 4, result.stderr);
    assert.match(result.stdout, /^status: error \(exit 4\)\n/);
  });
});

describe('status --long and --json', () => {
  it('list every request boot really made, as the emulator logged them', async () => {
    const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE });
    try {
      const d = dirs();
      const boot = await runCli(['boot', '--endpoint', emulator.url, ...d.bootArgs], { env: ENV });
      assert.equal(boot.status, 0, boot.stderr);
      const logged = (await emulator.requests()).map((entry) => `${entry.method} ${entry.path} ${entry.status}`).sort();
      assert.ok(logged.length >= 5, `only ${logged.length} requests logged`);
      const json = await runCli(['status', '--json', '--state-dir', d.state], { env: ENV });
      assert.equal(json.status, 0, json.stderr);
      const parsed = JSON.parse(json.stdout) as { status: string; exit_status: number; instance_id: string; report: BootReport };
      assert.deepEqual({ status: parsed.status, exit: parsed.exit_status, instance: parsed.instance_id }, { status: 'done', exit: 0, instance: INSTANCE_ID });
      const steps = parsed.report.stages.boot?.timeline ?? [];
      const http = steps.filter((step): step is HttpStep => step.step === 'http');
      assert.deepEqual(http.map((step) => `${step.method} ${step.path} ${step.status}`).sort(), logged);
      assert.deepEqual([...new Set(steps.map((step) => step.step))], ['route', 'http', 'normalise', 'applier']);
      const long = await runCli(['status', '--long', '--state-dir', d.state], { env: ENV });
      assert.equal(long.status, 0, long.stderr);
      for (const entry of await emulator.requests()) {
        assert.match(long.stdout, new RegExp(`  http +${entry.method} ${emulator.url.replace(/[.]/g, '\\.')}${entry.path.replace(/[.]/g, '\\.')} +${entry.status}, \\d+ B +\\d+$`, 'm'), entry.path);
      }
      assert.match(long.stdout, /^[ *] +\+\d+\.\d{3} +boot +applier +hostname +ok, 2 changes +\d+\n +\+ .*\/etc\/hostname: set to "dvr3-demo12" \(applied\)$/m);
      assert.equal((long.stdout.match(/^\* +\+/gm) ?? []).length, 3);
      // Nothing of the user-data or the keys: summaries only.
      assert.doesNotMatch(readFileSync(join(d.state, 'boot-report.json'), 'utf8'), /ssh-(rsa|ed25519) AAAA|#cloud-config/);
    } finally {
      await emulator.stop();
    }
  });
});

describe('status as a user who is not root', () => {
  it('reads a report in a readable state dir; a state dir it cannot read is one line, exit 1', async () => {
    // The clone may sit in a directory nobody cannot enter: run a copy of the single file from a readable one.
    const base = mkdtempSync(join(tmpdir(), 'mdctl-status-'));
    try {
      chmodSync(base, 0o755);
      mkdirSync(join(base, 'bin'));
      copyFileSync(BUNDLE, join(base, 'bin', 'mdctl.mjs'));
      const state = join(base, 'state');
      mkdirSync(state, { mode: 0o755 });
      const bootIdText = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const report: BootReport = {
        schema: 1,
        boot_id: bootIdText,
        updated_at: new Date().toISOString(),
        stages: { boot: { stage: 'boot', state: 'ended', pid: 1, run: 1, systemd: true, instance_id: 'i-nobody', source: null, started_at: new Date().toISOString(), ended_at: new Date().toISOString(), exit_status: 0, error: null, restarts: false, timeline: [], timeline_omitted: 0 } },
      };
      writeFileSync(join(state, 'boot-report.json'), JSON.stringify(report), { mode: 0o644 });
      const asNobody = (args: string[]): Promise<CliResult> => runCli(['status', '--state-dir', state, ...args], { env: ENV, wrap: NOBODY, entry: join(base, 'bin', 'mdctl.mjs') });
      const ok = await asNobody([]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /^status: done\ninstance: i-nobody\n/);
      const waited = await asNobody(['--wait', '--json']);
      assert.equal(waited.status, 0, waited.stderr);
      assert.equal((JSON.parse(waited.stdout) as { status: string }).status, 'done');
      chmodSync(state, 0o700);
      for (const args of [[], ['--wait'], ['--json']]) {
        const denied = await asNobody(args);
        assert.equal(denied.status, 1, args.join(' '));
        assert.equal(denied.stdout, '');
        assert.match(denied.stderr, /^mdctl: cannot read the boot report ".*\/state\/boot-report\.json": permission denied \(the report holds no secrets; .*\)\n$/);
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('status on a report it cannot use', () => {
  const bad: Array<[string, string]> = [
    ['garbage', '\u0000garbage'],
    ['a torn report', '{"schema":1,"boot_id":"x","updated_at":"2026-01-01T00:00:00Z","stages":{"boot":{"sta'],
    ['a foreign report', '{"schema":7,"boot_id":"x"}'],
  ];
  for (const [what, text] of bad) {
    it(`${what}: one line, exit 1, nothing on stdout, the file untouched (also with --wait and --json)`, async () => {
      const state = makeRoot({ 'boot-report.json': text });
      for (const args of [[], ['--wait'], ['--json'], ['--long']]) {
        const result = await runCli(['status', '--state-dir', state, ...args], { env: ENV, timeoutMs: 10_000 });
        assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, /^mdctl: cannot read the boot report ".*boot-report\.json": [^\n]+\n$/);
      }
      assert.equal(readFileSync(join(state, 'boot-report.json'), 'utf8'), text);
    });
  }

  it('a report of an earlier boot is `not run`, exit 0', async () => {
    const state = makeRoot({ 'boot-report.json': JSON.stringify({ schema: 1, boot_id: 'an-earlier-boot', updated_at: '2026-01-01T00:00:00Z', stages: {} }) });
    const result = await runCli(['status', '--state-dir', state], { env: ENV });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'status: not run\ninstance: -\nlast report: of an earlier boot (boot id an-earlier-boot)\n');
  });

  it('no state dir at all is `not run`, exit 0', async () => {
    const result = await runCli(['status', '--state-dir', join(makeRoot(), 'missing')], { env: ENV });
    assert.deepEqual({ status: result.status, stdout: result.stdout, stderr: result.stderr }, { status: 0, stdout: 'status: not run\ninstance: -\n', stderr: '' });
  });
});

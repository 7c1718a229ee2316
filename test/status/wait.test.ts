// `status --wait` in-process: woken by the report's writes (also into a state dir that does not exist yet), a deadline only when given, a slow re-check for a run that dies.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BootReportWriter } from '../../src/status/writer.js';
import { readStatus, waitForBoot } from '../../src/status/wait.js';
import { makeRoot, removeRoots } from '../appliers/root.js';

after(removeRoots);

const BOOT = 'aaaaaaaa-0000-4000-8000-000000000001';
const HOUR = 3_600_000;

function bootIdFile(): string {
  return join(makeRoot({ boot_id: `${BOOT}\n` }), 'boot_id');
}

describe('waitForBoot', () => {
  it('waits for a boot that has not started (no state dir yet), through a restart, and ends with its exit status', async () => {
    const stateDir = join(makeRoot(), 'state');
    const bootIdFileName = bootIdFile();
    const seen: string[] = [];
    let started!: () => void;
    const waiting = new Promise<void>((resolve) => (started = resolve));
    // The re-check is an hour: only file events can end this wait in time.
    const result = waitForBoot({ stateDir, bootIdFile: bootIdFileName, recheckMs: HOUR, onWaiting: (view) => (seen.push(view.summary), started()) });
    await waiting;
    const env = { INVOCATION_ID: 'unit' };
    const first = await BootReportWriter.start({ stateDir, stage: 'boot', env, enabled: true, bootIdFile: bootIdFileName });
    await first.finish(4);
    assert.equal((await readStatus({ stateDir, bootIdFile: bootIdFileName })).summary, 'running');
    const second = await BootReportWriter.start({ stateDir, stage: 'boot', env, enabled: true, bootIdFile: bootIdFileName });
    await second.open();
    await second.finish(3);
    const view = await result;
    assert.deepEqual(seen, ['not run']);
    assert.deepEqual({ summary: view.summary, exit: view.exitStatus, run: view.stages[0]?.run.run }, { summary: 'error', exit: 3, run: 2 });
  });

  it('returns at once when the boot is over', async () => {
    const stateDir = makeRoot();
    const bootIdFileName = bootIdFile();
    await (await BootReportWriter.start({ stateDir, stage: 'boot', env: {}, enabled: true, bootIdFile: bootIdFileName })).finish(0);
    const view = await waitForBoot({ stateDir, bootIdFile: bootIdFileName, recheckMs: HOUR, onWaiting: () => assert.fail('no wait') });
    assert.equal(view.exitStatus, 0);
  });

  it('gives up with ERR_TIMEOUT (exit 4) when the deadline passes first', async () => {
    const started = Date.now();
    await assert.rejects(waitForBoot({ stateDir: makeRoot(), bootIdFile: bootIdFile(), timeoutMs: 200, recheckMs: HOUR }), (error: Error & { code?: string; exitStatus?: number }) => {
      assert.equal(error.code, 'ERR_TIMEOUT');
      assert.equal(error.exitStatus, 4);
      assert.match(error.message, /^status --wait: this boot's run of mdctl is not over after 0\.2 s \(not run\)$/);
      return true;
    });
    assert.ok(Date.now() - started < HOUR / 100);
  });

  it('sees a run that died without a word at the next re-check', async () => {
    const stateDir = makeRoot();
    const bootIdFileName = bootIdFile();
    const writer = await BootReportWriter.start({ stateDir, stage: 'boot', env: {}, enabled: true, bootIdFile: bootIdFileName, pid: 12345 });
    await writer.open();
    await writer.flush();
    let running = true;
    const view = await waitForBoot({ stateDir, bootIdFile: bootIdFileName, recheckMs: 50, alive: () => running, onWaiting: () => (running = false) });
    assert.deepEqual({ summary: view.summary, state: view.stages[0]?.state, exit: view.exitStatus }, { summary: 'error', state: 'killed', exit: 1 });
  });

  it('a bad report ends the wait at once with the reader\'s error', async () => {
    const stateDir = makeRoot({ 'boot-report.json': 'not json' });
    await assert.rejects(waitForBoot({ stateDir, bootIdFile: bootIdFile(), recheckMs: HOUR }), { code: 'ERR_IO' });
  });
});

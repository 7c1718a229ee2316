// The boot report writer and reader: written as the run goes (0644, atomic), both stages of one boot kept, bad files refused in one line.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ChangeResult } from '../../src/core/applier.js';
import { MdctlError } from '../../src/core/errors.js';
import { unitText } from '../../src/install/unit.js';
import { BOOT_REPORT_FILE, parseReport, readBootId, readReport, type BootReport } from '../../src/status/report.js';
import { BootReportWriter, applierStep, restartsAfter, type WriterOptions } from '../../src/status/writer.js';
import { makeRoot, removeRoots } from '../appliers/root.js';

after(removeRoots);

const BOOT_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const BOOT_B = 'bbbbbbbb-0000-4000-8000-000000000002';

/** A boot id file the test controls. */
function bootIdFile(id: string): string {
  return join(makeRoot({ boot_id: `${id}\n` }), 'boot_id');
}

function writerOptions(stateDir: string, extra: Partial<WriterOptions> = {}): WriterOptions {
  return { stateDir, stage: 'boot', env: {}, enabled: true, bootIdFile: bootIdFile(BOOT_A), ...extra };
}

function onDisk(stateDir: string): BootReport {
  return JSON.parse(readFileSync(join(stateDir, BOOT_REPORT_FILE), 'utf8')) as BootReport;
}

const HTTP_STEP = { step: 'http', at: '2026-01-01T00:00:00.000Z', ms: 5, method: 'GET', endpoint: 'http://127.0.0.1:1', path: '/openstack', status: 200, bytes: 10 } as const;

describe('readBootId', () => {
  it('reads the id from the file it is given, trimmed; unknown when there is none', async () => {
    assert.equal(await readBootId(bootIdFile(BOOT_A)), BOOT_A);
    assert.equal(await readBootId(join(makeRoot(), 'missing')), 'unknown');
    assert.match(await readBootId(), /^[0-9a-f-]{36}$/);
  });
});

describe('BootReportWriter', () => {
  it('writes nothing before open(); then `running` with every step as it comes, mode 0644, no temp left', async () => {
    const state = join(makeRoot(), 'state');
    const writer = await BootReportWriter.start(writerOptions(state, { pid: 4242 }));
    writer.observe(HTTP_STEP);
    assert.equal(existsSync(join(state, BOOT_REPORT_FILE)), false);
    await writer.open();
    await writer.flush();
    let report = onDisk(state);
    assert.equal(report.boot_id, BOOT_A);
    assert.deepEqual({ state: report.stages.boot?.state, pid: report.stages.boot?.pid, run: report.stages.boot?.run }, { state: 'running', pid: 4242, run: 1 });
    assert.deepEqual(report.stages.boot?.timeline, [HTTP_STEP]);
    assert.equal(statSync(join(state, BOOT_REPORT_FILE)).mode & 0o777, 0o644);
    writer.instance({ instance_id: 'i-1', source: { kind: 'openstack', endpoint: 'http://127.0.0.1:1', version: '2020-10-14' } });
    await writer.finish(0);
    report = onDisk(state);
    assert.equal(report.stages.boot?.state, 'ended');
    assert.equal(report.stages.boot?.exit_status, 0);
    assert.equal(report.stages.boot?.instance_id, 'i-1');
    assert.deepEqual(report.stages.boot?.source, { kind: 'openstack', endpoint: 'http://127.0.0.1:1', version: '2020-10-14' });
    assert.deepEqual(readdirSync(state).sort(), [BOOT_REPORT_FILE]);
  });

  it('keeps the other stage of the same machine boot and counts runs of a stage; drops an earlier boot', async () => {
    const state = makeRoot();
    const local = await BootReportWriter.start(writerOptions(state, { stage: 'local' }));
    await local.finish(0);
    for (const status of [4, 0]) await (await BootReportWriter.start(writerOptions(state))).finish(status);
    const report = onDisk(state);
    assert.deepEqual(Object.keys(report.stages).sort(), ['boot', 'local']);
    assert.equal(report.stages.boot?.run, 2);
    assert.equal(report.stages.local?.exit_status, 0);
    await (await BootReportWriter.start(writerOptions(state, { bootIdFile: bootIdFile(BOOT_B) }))).finish(0);
    const next = onDisk(state);
    assert.equal(next.boot_id, BOOT_B);
    assert.deepEqual(Object.keys(next.stages), ['boot']);
    assert.equal(next.stages.boot?.run, 1);
  });

  it('records exit 4 under systemd as restarting, and the error on one line', async () => {
    const state = makeRoot();
    const writer = await BootReportWriter.start(writerOptions(state, { env: { INVOCATION_ID: 'abc' } }));
    await writer.track(() => Promise.reject(new MdctlError('ERR_UNREACHABLE', 'metadata service:\nno answer'))).catch(() => undefined);
    const run = onDisk(state).stages.boot;
    assert.deepEqual({ exit: run?.exit_status, restarts: run?.restarts, systemd: run?.systemd, error: run?.error }, { exit: 4, restarts: true, systemd: true, error: 'metadata service: no answer' });
  });

  it('a run that cannot take the lock leaves the report of the run that holds it alone', async () => {
    const state = makeRoot();
    const holder = await BootReportWriter.start(writerOptions(state, { pid: 1 }));
    await holder.open();
    await holder.flush();
    const before = readFileSync(join(state, BOOT_REPORT_FILE), 'utf8');
    const second = await BootReportWriter.start(writerOptions(state));
    await assert.rejects(second.track(() => Promise.reject(new MdctlError('ERR_LOCKED', 'cannot lock'))), { code: 'ERR_LOCKED' });
    assert.equal(readFileSync(join(state, BOOT_REPORT_FILE), 'utf8'), before);
  });

  it('does not record its end over a live run of the same stage that took the lock since', async () => {
    const state = makeRoot();
    const ending = await BootReportWriter.start(writerOptions(state));
    await ending.open();
    await ending.flush();
    // pid 1 runs for as long as the machine does.
    const next = await BootReportWriter.start(writerOptions(state, { pid: 1 }));
    await next.open();
    await next.flush();
    const before = readFileSync(join(state, BOOT_REPORT_FILE), 'utf8');
    await ending.finish(0);
    assert.equal(readFileSync(join(state, BOOT_REPORT_FILE), 'utf8'), before);
    assert.deepEqual({ pid: onDisk(state).stages.boot?.pid, run: onDisk(state).stages.boot?.run }, { pid: 1, run: 2 });
  });

  it('keeps the first and the latest 500 steps of a run that goes on for hours, counting those left out', async () => {
    const state = makeRoot();
    const writer = await BootReportWriter.start(writerOptions(state));
    await writer.open();
    for (let index = 0; index < 1500; index += 1) writer.observe({ ...HTTP_STEP, path: `/try/${index}` });
    await writer.finish(4);
    const run = onDisk(state).stages.boot;
    const paths = (run?.timeline ?? []).map((step) => (step.step === 'http' ? step.path : ''));
    assert.equal(paths.length, 1000);
    assert.deepEqual([paths[0], paths[499], paths[500], paths[999]], ['/try/0', '/try/499', '/try/1000', '/try/1499']);
    assert.equal(run?.timeline_omitted, 500);
  });

  it('writes nothing on a dry run', async () => {
    const state = makeRoot();
    const writer = await BootReportWriter.start(writerOptions(state, { enabled: false }));
    assert.equal(await writer.track(async () => 0), 0);
    assert.deepEqual(readdirSync(state), []);
  });

  it('a report it cannot write is one warning, and the run goes on', async () => {
    // A state dir that is a regular file: every write fails, even as root.
    const notADirectory = join(makeRoot({ state: '' }), 'state');
    const warnings: string[] = [];
    const writer = await BootReportWriter.start(writerOptions(notADirectory, { warn: (message) => warnings.push(message) }));
    writer.observe(HTTP_STEP);
    assert.equal(await writer.track(async () => 3), 3);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^boot report not written: /);
  });
});

describe('applierStep', () => {
  it('keeps the target, summary and result of each change, never before/after or private data; caps the list', () => {
    const change = { applier: 'write-files', action: 'create', target: '/etc/secret.conf', summary: 'create, mode 0600', before: 'OLD', after: 'password=hunter2', data: { text: 'hunter2' } } as const;
    const results: ChangeResult[] = Array.from({ length: 105 }, () => ({ change: { ...change }, status: 'applied' }));
    const step = applierStep({ applier: { id: 'write-files' }, results, errors: ['line one\nline two'], startedAt: Date.parse('2026-01-01T00:00:00Z'), elapsedMs: 7 });
    assert.equal(step.changes.length, 100);
    assert.equal(step.changes_omitted, 5);
    assert.deepEqual(step.changes[0], { action: 'create', target: '/etc/secret.conf', summary: 'create, mode 0600', status: 'applied' });
    assert.deepEqual(step.errors, ['line one line two']);
    assert.deepEqual({ at: step.at, ms: step.ms, result: step.result }, { at: '2026-01-01T00:00:00.000Z', ms: 7, result: 'failed' });
    assert.doesNotMatch(JSON.stringify(step), /hunter2|OLD/);
  });
});

describe('restartsAfter', () => {
  it('matches the boot unit: systemd restarts it on exit 4 only, and only when systemd runs it', () => {
    const unit = unitText();
    assert.match(unit, /^Restart=on-failure$/m);
    const prevented = (/^RestartPreventExitStatus=(.*)$/m.exec(unit)?.[1] ?? '').split(' ').map(Number);
    for (const status of [1, 2, 3, 4, 5]) {
      assert.equal(restartsAfter('boot', status, { INVOCATION_ID: 'x' }), !prevented.includes(status), `exit ${status}`);
      assert.equal(restartsAfter('boot', status, {}), false);
    }
    assert.equal(restartsAfter('boot', 0, { INVOCATION_ID: 'x' }), false);
    assert.equal(restartsAfter('local', 4, { INVOCATION_ID: 'x' }), false);
  });
});

describe('readReport and parseReport', () => {
  it('null when there is no state dir or no report', async () => {
    assert.equal(await readReport(join(makeRoot(), 'nope')), null);
    assert.equal(await readReport(makeRoot()), null);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['empty', '', /the file is empty/],
    ['torn', '{"schema":1,"boot_id":"x","updated_at":"t","stages":{"boot":{"stage":"bo', /not JSON/],
    ['garbage', '\u0000\u0001binary', /not JSON/],
    ['an array', '[1,2]', /not a JSON object/],
    ['a newer schema', '{"schema":2,"boot_id":"x","updated_at":"t","stages":{}}', /schema "2" is not 1/],
    ['no stages', '{"schema":1,"boot_id":"x","updated_at":"t"}', /stages is missing/],
    ['an unknown stage', '{"schema":1,"boot_id":"x","updated_at":"t","stages":{"late":{}}}', /unknown stage "late"/],
    ['a bad stage', '{"schema":1,"boot_id":"x","updated_at":"t","stages":{"boot":{"stage":"boot","state":"running","pid":"1"}}}', /stages\.boot\.pid is missing or of the wrong type/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what} in one line (ERR_IO)`, async () => {
      const state = makeRoot({ [BOOT_REPORT_FILE]: text });
      await assert.rejects(readReport(state), (error: unknown) => {
        assert.ok(error instanceof MdctlError);
        assert.equal(error.code, 'ERR_IO');
        assert.match(error.message, /^cannot read the boot report ".*boot-report\.json": /);
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      });
    });
  }

  it('refuses a report that is not a regular file', async () => {
    const state = makeRoot();
    mkdirSync(join(state, BOOT_REPORT_FILE));
    await assert.rejects(readReport(state), { code: 'ERR_UNSAFE_PATH' });
  });

  it('reads back what the writer wrote', async () => {
    const state = makeRoot();
    const writer = await BootReportWriter.start(writerOptions(state));
    writer.observe(HTTP_STEP);
    await writer.finish(0);
    const text = readFileSync(join(state, BOOT_REPORT_FILE), 'utf8');
    assert.deepEqual(await readReport(state), parseReport(text, 'x'));
    writeFileSync(join(state, BOOT_REPORT_FILE), text.slice(0, text.length / 2));
    await assert.rejects(readReport(state), /not JSON/);
  });
});

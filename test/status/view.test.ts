// What a report says about this machine boot (done, running, error, not run; when --wait ends and with what), and how status prints it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TimelineStep } from '../../src/core/timeline.js';
import type { BootReport, Stage, StageRun } from '../../src/status/report.js';
import { renderSummary, renderTimeline, statusJson } from '../../src/status/render.js';
import { viewOf } from '../../src/status/view.js';

const BOOT = 'aaaaaaaa-0000-4000-8000-000000000001';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const ALIVE = 1000;
const alive = (pid: number): boolean => pid === ALIVE;

function stage(name: Stage, fields: Partial<StageRun> = {}): StageRun {
  return {
    stage: name,
    state: 'ended',
    pid: 99,
    run: 1,
    systemd: true,
    instance_id: 'i-1',
    source: null,
    started_at: at(0),
    ended_at: at(900),
    exit_status: 0,
    error: null,
    restarts: false,
    timeline: [],
    timeline_omitted: 0,
    ...fields,
  };
}

function report(stages: BootReport['stages'], bootId = BOOT): BootReport {
  return { schema: 1, boot_id: bootId, updated_at: at(1000), stages };
}

describe('viewOf', () => {
  const cases: Array<[string, BootReport | null, { summary: string; over: boolean; exitStatus: number | null }]> = [
    ['no report', null, { summary: 'not run', over: false, exitStatus: null }],
    ['a report of an earlier boot', report({ boot: stage('boot') }, 'other'), { summary: 'not run', over: false, exitStatus: null }],
    ['boot done', report({ boot: stage('boot') }), { summary: 'done', over: true, exitStatus: 0 }],
    ['boot exit 3', report({ boot: stage('boot', { exit_status: 3 }) }), { summary: 'error', over: true, exitStatus: 3 }],
    ['boot running', report({ boot: stage('boot', { state: 'running', pid: ALIVE, ended_at: null, exit_status: null }) }), { summary: 'running', over: false, exitStatus: null }],
    ['boot exit 4 that systemd runs again', report({ boot: stage('boot', { exit_status: 4, restarts: true }) }), { summary: 'running', over: false, exitStatus: null }],
    ['boot exit 4 that nobody runs again', report({ boot: stage('boot', { exit_status: 4 }) }), { summary: 'error', over: true, exitStatus: 4 }],
    ['boot killed (says running, pid gone)', report({ boot: stage('boot', { state: 'running', ended_at: null, exit_status: null }) }), { summary: 'error', over: true, exitStatus: 1 }],
    ['local done, boot not started', report({ local: stage('local') }), { summary: 'running', over: false, exitStatus: null }],
    ['local exit 5, boot done', report({ local: stage('local', { exit_status: 5 }), boot: stage('boot') }), { summary: 'error', over: true, exitStatus: 5 }],
    ['local done, boot exit 3', report({ local: stage('local'), boot: stage('boot', { exit_status: 3 }) }), { summary: 'error', over: true, exitStatus: 3 }],
    ['local running, boot done', report({ local: stage('local', { state: 'running', pid: ALIVE }), boot: stage('boot') }), { summary: 'running', over: false, exitStatus: null }],
  ];
  for (const [what, input, expected] of cases) {
    it(what, () => {
      const view = viewOf(input, BOOT, alive);
      assert.deepEqual({ summary: view.summary, over: view.over, exitStatus: view.exitStatus }, expected);
    });
  }

  it('names the instance of the latest stage that read one', () => {
    const view = viewOf(report({ local: stage('local', { instance_id: 'i-local' }), boot: stage('boot', { instance_id: null, exit_status: 4 }) }), BOOT, alive);
    assert.equal(view.instanceId, 'i-local');
  });
});

const TIMELINE: TimelineStep[] = [
  { step: 'route', at: at(10), ms: 2, candidates: ['http://169.254.169.254'], endpoint_given: false },
  { step: 'http', at: at(30), ms: 400, method: 'GET', endpoint: 'http://169.254.169.254', path: '/openstack/2020-10-14/meta_data.json', status: 200, bytes: 2250 },
  { step: 'http', at: at(20), ms: 8, method: 'GET', endpoint: 'http://169.254.169.254', path: '/openstack', status: 200, bytes: 116 },
  { step: 'http', at: at(31), ms: 300, method: 'GET', endpoint: 'http://169.254.169.254', path: '/openstack/2020-10-14/user_data', status: null, bytes: 0, error: 'connection reset (ECONNRESET)' },
  { step: 'normalise', at: at(500), ms: 1, instance_id: 'i-1' },
  {
    step: 'applier',
    at: at(510),
    ms: 250,
    id: 'hostname',
    result: 'failed',
    changes: [{ action: 'create', target: '/etc/hostname', summary: 'set to "x"', status: 'applied' }],
    changes_omitted: 2,
    errors: ['running hostname: denied'],
  },
];

describe('renderSummary', () => {
  it('says the status, the instance and each stage', () => {
    const view = viewOf(report({ local: stage('local'), boot: stage('boot', { exit_status: 3, error: 'an applier failed' }) }), BOOT, alive);
    assert.equal(
      renderSummary(view),
      [
        'status: error (exit 3)',
        'instance: i-1',
        'local: exit 0 in 0.90 s, ended 2026-01-01T00:00:00.900Z',
        'boot: exit 3 in 0.90 s, ended 2026-01-01T00:00:00.900Z: an applier failed',
      ].join('\n'),
    );
  });

  it('tells a stage systemd runs again, a killed one, a boot not started, and a report of an earlier boot', () => {
    const restarting = renderSummary(viewOf(report({ boot: stage('boot', { exit_status: 4, restarts: true, run: 3 }) }), BOOT, alive));
    assert.match(restarting, /^status: running\n.*\nboot: exit 4 in 0\.90 s; systemd will run it again \(run 3\)$/);
    assert.match(renderSummary(viewOf(report({ boot: stage('boot', { state: 'running', pid: 77 }) }), BOOT, alive)), /^boot: killed: pid 77 ended without recording its end/m);
    assert.match(renderSummary(viewOf(report({ local: stage('local') }), BOOT, alive)), /\nboot: not started yet$/);
    assert.equal(renderSummary(viewOf(report({ boot: stage('boot') }, 'old-boot'), BOOT, alive)), 'status: not run\ninstance: -\nlast report: of an earlier boot (boot id old-boot)');
  });
});

describe('renderTimeline', () => {
  const view = viewOf(report({ boot: stage('boot', { timeline: TIMELINE }) }), BOOT, alive);
  const text = renderTimeline(view);
  const rows = text.split('\n').filter((line) => /^[ *] +\+\d/.test(line));

  it('lists every step sorted by time, between the start and the end', () => {
    const steps = rows.map((line) => line.trim().replace(/^\* +/, '').split(/\s+/)[2]);
    assert.deepEqual(steps, ['start', 'route', 'http', 'http', 'http', 'normalise', 'applier', 'end']);
    assert.match(rows[2] ?? '', /\+0\.020 +boot +http +GET http:\/\/169\.254\.169\.254\/openstack +200, 116 B +8$/);
    assert.match(rows[4] ?? '', /GET http:\/\/169\.254\.169\.254\/openstack\/2020-10-14\/user_data +connection reset \(ECONNRESET\) +300$/);
  });

  it('marks the three slowest steps, not the end', () => {
    const marked = rows.filter((line) => line.startsWith('*')).map((line) => Number(line.trim().split(/\s+/).at(-1)));
    assert.deepEqual(marked.sort((a, b) => a - b), [250, 300, 400]);
    assert.match(text, /\n\* the 3 slowest steps$/);
  });

  it('shows each applier\'s change summaries and errors under it', () => {
    assert.match(text, /applier +hostname +failed, 3 changes +250\n +\+ \/etc\/hostname: set to "x" \(applied\)\n +\.\.\. 2 more changes\n +✗ running hostname: denied\n/);
  });

  it('says where steps were left out of a long run', () => {
    const steps: TimelineStep[] = Array.from({ length: 1000 }, (_, index) => ({ step: 'normalise', at: at(index * 10), ms: 0, instance_id: `i-${index}` }));
    const long = renderTimeline(viewOf(report({ boot: stage('boot', { timeline: steps, timeline_omitted: 42, ended_at: at(20_000) }) }), BOOT, alive));
    assert.match(long, /instance i-499 +ok +0\n +\+\d+\.\d{3} +boot +\.\.\. +42 steps left out\n.*instance i-500 /);
  });

  it('is the summary alone when the boot has not run', () => {
    assert.equal(renderTimeline(viewOf(null, BOOT, alive)), 'status: not run\ninstance: -');
  });
});

describe('statusJson', () => {
  it('carries the summary and the report as read', () => {
    const input = report({ boot: stage('boot', { exit_status: 4, restarts: true }) });
    assert.deepEqual(statusJson(viewOf(input, BOOT, alive)), { status: 'running', exit_status: null, instance_id: 'i-1', boot_id: BOOT, stages: { boot: 'restarting' }, report: input });
  });
});

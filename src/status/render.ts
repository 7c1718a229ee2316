// `mdctl status` as text and JSON: the short summary, the timeline table with the slowest steps marked.
import type { TimelineStep } from '../core/timeline.js';
import type { BootView, StageView } from './view.js';

/** How many of the slowest steps `--long` marks. */
const SLOWEST_MARKED = 3;
const MARKS = { create: '+', update: '~', delete: '-', noop: '=' } as const;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function stageLine(view: StageView): string {
  const { run } = view;
  const again = run.run > 1 ? ` (run ${run.run})` : '';
  const why = run.error === null ? '' : `: ${run.error}`;
  const took = run.ended_at === null ? '' : ` in ${seconds(Date.parse(run.ended_at) - Date.parse(run.started_at))}`;
  switch (view.state) {
    case 'running':
      return `${run.stage}: running since ${run.started_at}, pid ${run.pid}${again}`;
    case 'restarting':
      return `${run.stage}: exit ${run.exit_status ?? '?'}${took}${why}; systemd will run it again${again}`;
    case 'killed':
      return `${run.stage}: killed: pid ${run.pid} ended without recording its end (started ${run.started_at})${again}`;
    default:
      return `${run.stage}: exit ${view.exitStatus ?? '?'}${took}, ended ${run.ended_at ?? '?'}${why}${again}`;
  }
}

/** The short summary: the status, the instance, one line per stage. */
export function renderSummary(view: BootView): string {
  const exit = view.summary === 'error' ? ` (exit ${view.exitStatus ?? '?'})` : '';
  const lines = [`status: ${view.summary}${exit}`, `instance: ${view.instanceId ?? '-'}`];
  lines.push(...view.stages.map(stageLine));
  if (view.summary === 'running' && !view.stages.some((stage) => stage.stage === 'boot')) lines.push('boot: not started yet');
  const earlier = view.report;
  if (view.summary === 'not run' && earlier !== null) lines.push(`last report: of an earlier boot (boot id ${earlier.boot_id})`);
  return lines.join('\n');
}

interface Row {
  at: number;
  stage: string;
  step: string;
  what: string;
  result: string;
  ms: number | null;
  /** Lines printed under the row, in the WHAT column (an applier's changes). */
  details: string[];
}

function stepRow(stage: string, step: TimelineStep): Row {
  const base = { at: Date.parse(step.at), stage, step: step.step, ms: step.ms, details: [] as string[] };
  switch (step.step) {
    case 'route':
      return { ...base, what: step.candidates.join(' ') || '(no candidate)', result: step.endpoint_given ? '--endpoint' : `${step.candidates.length} candidate${step.candidates.length === 1 ? '' : 's'}` };
    case 'http':
      return { ...base, what: `${step.method} ${step.endpoint}${step.path}`, result: step.status === null ? (step.error ?? 'no answer') : `${step.status}, ${step.bytes} B` };
    case 'normalise':
      return { ...base, what: `instance ${step.instance_id}`, result: 'ok' };
    case 'applier': {
      const changes = step.changes.map((change) => `  ${MARKS[change.action] ?? '?'} ${change.target}: ${change.summary} (${change.status})`);
      if (step.changes_omitted > 0) changes.push(`  ... ${step.changes_omitted} more changes`);
      const details = [...changes, ...step.errors.map((error) => `  ✗ ${error}`)];
      return { ...base, what: step.id, result: `${step.result}, ${step.changes.length + step.changes_omitted} change${step.changes.length + step.changes_omitted === 1 ? '' : 's'}`, details };
    }
    default:
      return { ...base, what: '', result: '' };
  }
}

/** Each stage's start and end, and its steps. */
function rowsOf(view: BootView): Row[] {
  return view.stages.flatMap(({ stage, run, state }) => {
    const start: Row = { at: Date.parse(run.started_at), stage, step: 'start', what: `run ${run.run}, pid ${run.pid}${run.systemd ? ', under systemd' : ''}`, result: '', ms: null, details: [] };
    const rows = [start, ...run.timeline.map((step) => stepRow(stage, step))];
    // The steps left out were between the first half and the latest half of the timeline.
    const [early, late] = [rows[run.timeline.length / 2], rows[run.timeline.length / 2 + 1]];
    if (run.timeline_omitted > 0 && early !== undefined && late !== undefined) {
      rows.push({ at: (early.at + late.at) / 2, stage, step: '...', what: `${run.timeline_omitted} steps left out`, result: '', ms: null, details: [] });
    }
    if (run.ended_at !== null) {
      const again = state === 'restarting' ? '; systemd will run it again' : '';
      rows.push({ at: Date.parse(run.ended_at), stage, step: 'end', what: run.error ?? '', result: `exit ${run.exit_status ?? '?'}${again}`, ms: Date.parse(run.ended_at) - Date.parse(run.started_at), details: [] });
    }
    return rows;
  });
}

/** The timeline as a table sorted by time; the SLOWEST_MARKED slowest steps are marked `*`. */
export function renderTimeline(view: BootView): string {
  if (view.stages.length === 0) return renderSummary(view);
  const rows = rowsOf(view)
    .map((row, index) => ({ row, index }))
    .sort((a, b) => a.row.at - b.row.at || a.index - b.index)
    .map(({ row }) => row);
  const origin = rows[0]?.at ?? 0;
  const timed = rows.filter((row) => row.ms !== null && row.step !== 'end' && row.ms > 0);
  const slowest = new Set([...timed].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0)).slice(0, SLOWEST_MARKED));
  const table = [['', 'TIME', 'STAGE', 'STEP', 'WHAT', 'RESULT', 'MS']];
  const details = new Map<number, string[]>();
  for (const row of rows) {
    table.push([slowest.has(row) ? '*' : '', `+${((row.at - origin) / 1000).toFixed(3)}`, row.stage, row.step, row.what, row.result, row.ms === null ? '' : String(row.ms)]);
    if (row.details.length > 0) details.set(table.length - 1, row.details);
  }
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  const whatColumn = widths.slice(0, 4).reduce((sum, width) => sum + width + 2, 0);
  const lines: string[] = [];
  for (const [index, cells] of table.entries()) {
    lines.push(cells.map((cell, column) => (column === 6 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd());
    for (const detail of details.get(index) ?? []) lines.push(`${' '.repeat(whatColumn)}${detail}`);
  }
  lines.push(`* the ${Math.min(SLOWEST_MARKED, timed.length)} slowest steps`);
  return [renderSummary(view), '', ...lines].join('\n');
}

/** `status --json`: the summary fields, then the report as read. */
export function statusJson(view: BootView): unknown {
  return {
    status: view.summary,
    exit_status: view.exitStatus,
    instance_id: view.instanceId,
    boot_id: view.bootId,
    stages: Object.fromEntries(view.stages.map((stage) => [stage.stage, stage.state])),
    report: view.report,
  };
}

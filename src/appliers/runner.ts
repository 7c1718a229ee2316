// Runs appliers: plan every selected one, then apply each change that is neither a noop nor skipped; failures stay local.
import { MdctlError, oneLine, quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { SCRIPT_TIMEOUT_MS } from './scripts.js';
import type { Applier, ApplyContext, Change, ChangeResult, ProgressResult } from './types.js';

interface RunOptions {
  root: string;
  live: boolean;
  dryRun: boolean;
  user: string | undefined;
  /** Bounds on one plan() and one apply() call (default STEP_TIMEOUTS). */
  timeouts?: StepTimeouts;
}

interface StepTimeouts {
  planMs: number;
  applyMs: number;
}

/**
 * How long one plan() (which only reads) and one apply() may take before the runner gives up
 * on it: that applier fails (exit 3), the others go on. apply() allows for a script's own
 * timeout. A step given up on is not cancelled; it is no longer waited for.
 */
const STEP_TIMEOUTS: StepTimeouts = { planMs: 60_000, applyMs: SCRIPT_TIMEOUT_MS + 60_000 };

export interface ApplierRun {
  applier: Applier;
  changes: Change[];
  results: ChangeResult[];
  warnings: string[];
  /** Refused values and errors: any makes this applier failed. */
  errors: string[];
  /** Whether plan() finished (when it threw, there are no changes and the state is kept). */
  planned: boolean;
  ctx: ApplyContext;
  timeouts: StepTimeouts;
  /** When plan() started (epoch ms), and the time plan() and the apply() calls took together. */
  startedAt: number;
  elapsedMs: number;
}

/** The appliers to run: --only keeps the named ones, --skip drops them; an unknown id is a usage error. */
export function selectAppliers(appliers: readonly Applier[], only: readonly string[] | undefined, skip: readonly string[] | undefined): Applier[] {
  const known = new Set(appliers.map((applier) => applier.id));
  for (const id of [...(only ?? []), ...(skip ?? [])]) {
    if (!known.has(id)) {
      throw new MdctlError('ERR_USAGE', `unknown applier ${quote(id)}`, { hint: `known: ${[...known].join(', ')}` });
    }
  }
  return appliers.filter((applier) => (only === undefined || only.includes(applier.id)) && !(skip ?? []).includes(applier.id));
}

const ACTIONS: readonly unknown[] = ['create', 'update', 'delete', 'noop'];

/** Whether a plugin's value is a Change the runner and the plan view can use. */
function isChange(value: unknown): value is Change {
  const change = value as Partial<Record<keyof Change, unknown>> | null;
  return (
    typeof change === 'object' &&
    change !== null &&
    ACTIONS.includes(change.action) &&
    typeof change.target === 'string' &&
    typeof change.summary === 'string' &&
    (change.skipped === undefined || typeof change.skipped === 'string') &&
    (change.before === undefined || typeof change.before === 'string') &&
    (change.after === undefined || typeof change.after === 'string')
  );
}

/** The step's promise, or a rejection once `ms` pass; a synchronous throw becomes a rejection. */
async function bounded<T>(step: () => Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s; given up`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(step), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why an applier cannot run on this document (a part it needs is null: its file was broken), or null. */
function missingInput(applier: Applier, doc: Instance): string | null {
  // A plugin's value is not trusted to be a list.
  const needs = Array.isArray(applier.needs) ? (applier.needs as readonly (keyof Instance)[]) : [];
  const absent = needs.filter((key) => doc[key] === null);
  if (absent.length === 0) return null;
  const reasons = (doc.problems ?? []).map((problem) => problem.reason);
  return `needs ${absent.join(', ')}, which the metadata does not give: ${reasons.length === 0 ? 'null in the document' : reasons.join('; ')}`;
}

/** Plans every applier; one that throws is recorded as failed and the others still plan. */
export async function planAppliers(
  appliers: readonly Applier[],
  doc: Instance,
  options: RunOptions,
  previous: Record<string, unknown>,
): Promise<ApplierRun[]> {
  const runs: ApplierRun[] = [];
  const { timeouts = STEP_TIMEOUTS, ...context } = options;
  for (const applier of appliers) {
    const warnings: string[] = [];
    const errors: string[] = [];
    const ctx: ApplyContext = {
      ...context,
      previous: previous[applier.id],
      warn: (message) => warnings.push(message),
      refuse: (message) => errors.push(message),
    };
    const startedAt = Date.now();
    const run: ApplierRun = { applier, changes: [], results: [], warnings, errors, planned: false, ctx, timeouts, startedAt, elapsedMs: 0 };
    const missing = missingInput(applier, doc);
    if (missing !== null) {
      errors.push(missing);
      runs.push(run);
      continue;
    }
    try {
      const changes: unknown = await bounded(() => applier.plan(doc, ctx), timeouts.planMs, 'plan()');
      if (!Array.isArray(changes) || !changes.every(isChange)) throw new Error('plan() did not return a list of changes');
      run.changes = changes.map((change) => ({ ...change, applier: applier.id }));
      run.planned = true;
    } catch (error) {
      errors.push(oneLine(error));
    }
    run.elapsedMs = Date.now() - startedAt;
    runs.push(run);
  }
  return runs;
}

/** Where the runner records the state as it goes: what was remembered before this run, and how to save a new state. */
interface StateRecorder {
  previous: Record<string, unknown>;
  save(appliers: Record<string, unknown>): Promise<void>;
}

/** The state recorded so far, and why recording stopped (the changes that need it are then not made). */
interface Recording {
  recorder: StateRecorder;
  state: Record<string, unknown>;
  broken: string | null;
}

/** Records the state with this applier's remember() over `results`; false when that fails now or failed before. */
async function record(recording: Recording, run: ApplierRun, results: ProgressResult[]): Promise<boolean> {
  if (recording.broken !== null) return false;
  try {
    const value = run.applier.remember?.(results, run.ctx);
    const next = value === undefined ? recording.state : { ...recording.state, [run.applier.id]: value };
    await recording.recorder.save(next);
    recording.state = next;
    return true;
  } catch (error) {
    recording.broken = oneLine(error);
    run.errors.push(`state: ${recording.broken}`);
    return false;
  }
}

/** Applies one chunk: through applyChunk() when the applier has it, else apply() change by change. */
async function applyChunk(run: ApplierRun, chunk: Change[]): Promise<void> {
  const { applier, ctx, timeouts } = run;
  let outcome: (string | null)[];
  if (applier.applyChunk === undefined) {
    outcome = [];
    for (const change of chunk) {
      outcome.push(await bounded(() => applier.apply(change, ctx), timeouts.applyMs, 'apply()').then(() => null, oneLine));
    }
  } else {
    const chunkOf = applier.applyChunk.bind(applier);
    outcome = await bounded(() => chunkOf(chunk, ctx), timeouts.applyMs, 'applyChunk()').then(
      (value: unknown) => (Array.isArray(value) && value.length === chunk.length ? value.map((why) => (why === null ? null : oneLine(why))) : chunk.map(() => 'applyChunk() did not return one entry per change')),
      (error: unknown) => chunk.map(() => oneLine(error)),
    );
  }
  chunk.forEach((change, index) => {
    const why = outcome[index] ?? null;
    if (why === null) run.results.push({ change, status: 'applied' });
    else {
      const message = `${change.target}: ${why}`;
      run.errors.push(message);
      run.results.push({ change, status: 'failed', error: message });
    }
  });
}

/**
 * Applies one applier's changes in chunks. With a recording, an applier that recordsProgress
 * has its state recorded before each chunk (the chunk 'started', the rest 'pending') and every
 * applier after its last chunk; when the state cannot be recorded, the changes that need it fail.
 */
async function applyRun(run: ApplierRun, recording: Recording | null): Promise<void> {
  const actionable: Change[] = [];
  for (const change of run.changes) {
    if (change.action === 'noop') run.results.push({ change, status: 'noop' });
    else if (change.skipped !== undefined) run.results.push({ change, status: 'skipped' });
    else if (run.ctx.dryRun) run.results.push({ change, status: 'dry-run' });
    else actionable.push(change);
  }
  if (actionable.length === 0) return;
  const size = run.applier.applyChunk === undefined ? 1 : Math.max(1, Math.floor(run.applier.chunkSize ?? 1));
  const progress = recording !== null && run.applier.recordsProgress === true;
  for (let at = 0; at < actionable.length; at += size) {
    const chunk = actionable.slice(at, at + size);
    const ahead: ProgressResult[] = [...chunk.map((change) => ({ change, status: 'started' as const })), ...actionable.slice(at + size).map((change) => ({ change, status: 'pending' as const }))];
    if (progress && !(await record(recording, run, [...run.results, ...ahead]))) {
      const why = `not made: the state cannot be recorded (${recording.broken ?? 'error'})`;
      run.errors.push(`${actionable.length - at} changes ${why}`);
      for (const change of actionable.slice(at)) run.results.push({ change, status: 'failed', error: `${change.target}: ${why}` });
      break;
    }
    await applyChunk(run, chunk);
  }
  if (recording !== null) await record(recording, run, run.results);
  const order = new Map(run.changes.map((change, index) => [change, index]));
  run.results.sort((a, b) => (order.get(a.change) ?? 0) - (order.get(b.change) ?? 0));
}

/**
 * Applies the planned changes (none on a dry run); a change that throws fails its applier, not
 * the run. With a recorder, the state is recorded as the run goes (see applyRun), so a run
 * killed midway leaves a state the next run can finish or undo from.
 */
export async function applyPlanned(runs: readonly ApplierRun[], recorder?: StateRecorder, onApplied?: (run: ApplierRun) => void): Promise<void> {
  const recording = recorder === undefined ? null : { recorder, state: { ...recorder.previous }, broken: null };
  for (const run of runs) {
    const started = Date.now();
    await applyRun(run, run.planned ? recording : null);
    run.elapsedMs += Date.now() - started;
    onApplied?.(run);
  }
}

/**
 * What to store for the next run: each applier's remember() over its results. An applier that
 * did not plan, has no remember(), throws, or returns undefined keeps what it had.
 */
export function rememberedState(runs: readonly ApplierRun[], previous: Record<string, unknown>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...previous };
  for (const run of runs) {
    if (!run.planned || run.applier.remember === undefined) continue;
    try {
      const value = run.applier.remember(run.results, run.ctx);
      if (value !== undefined) next[run.applier.id] = value;
    } catch (error) {
      run.errors.push(`remember: ${oneLine(error)}`);
    }
  }
  return next;
}

// Runs appliers: plan every selected one, then apply each change that is neither a noop nor skipped; failures stay local.
import { MdctlError, oneLine, quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { SCRIPT_TIMEOUT_MS } from './scripts.js';
import type { Applier, ApplyContext, Change, ChangeResult } from './types.js';

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
    const run: ApplierRun = { applier, changes: [], results: [], warnings, errors, planned: false, ctx, timeouts };
    try {
      const changes: unknown = await bounded(() => applier.plan(doc, ctx), timeouts.planMs, 'plan()');
      if (!Array.isArray(changes) || !changes.every(isChange)) throw new Error('plan() did not return a list of changes');
      run.changes = changes.map((change) => ({ ...change, applier: applier.id }));
      run.planned = true;
    } catch (error) {
      errors.push(oneLine(error));
    }
    runs.push(run);
  }
  return runs;
}

/** Applies the planned changes (none on a dry run); a change that throws fails its applier, not the run. */
export async function applyPlanned(runs: readonly ApplierRun[]): Promise<void> {
  for (const run of runs) {
    for (const change of run.changes) {
      if (change.action === 'noop') run.results.push({ change, status: 'noop' });
      else if (change.skipped !== undefined) run.results.push({ change, status: 'skipped' });
      else if (run.ctx.dryRun) run.results.push({ change, status: 'dry-run' });
      else {
        try {
          await bounded(() => run.applier.apply(change, run.ctx), run.timeouts.applyMs, 'apply()');
          run.results.push({ change, status: 'applied' });
        } catch (error) {
          const message = `${change.target}: ${oneLine(error)}`;
          run.errors.push(message);
          run.results.push({ change, status: 'failed', error: message });
        }
      }
    }
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

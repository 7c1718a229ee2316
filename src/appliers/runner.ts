// Runs appliers: plan every selected one, then apply each change that is neither a noop nor skipped; failures stay local.
import { MdctlError, quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import type { Applier, ApplyContext, Change, ChangeResult } from './types.js';

export interface RunOptions {
  root: string;
  live: boolean;
  dryRun: boolean;
  user: string | undefined;
}

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

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Plans every applier; one that throws is recorded as failed and the others still plan. */
export async function planAppliers(
  appliers: readonly Applier[],
  doc: Instance,
  options: RunOptions,
  previous: Record<string, unknown>,
): Promise<ApplierRun[]> {
  const runs: ApplierRun[] = [];
  for (const applier of appliers) {
    const warnings: string[] = [];
    const errors: string[] = [];
    const ctx: ApplyContext = {
      ...options,
      previous: previous[applier.id],
      warn: (message) => warnings.push(message),
      refuse: (message) => errors.push(message),
    };
    const run: ApplierRun = { applier, changes: [], results: [], warnings, errors, planned: false, ctx };
    try {
      const changes = await applier.plan(doc, ctx);
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
          await run.applier.apply(change, run.ctx);
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

export function failed(run: ApplierRun): boolean {
  return run.errors.length > 0;
}

// Renders a plan (and its results) as a readable diff, or as the JSON of `apply --json`.
import type { ChalkInstance } from 'chalk';
import type { ApplierRun } from '../appliers/runner.js';
import type { PluginFailure } from '../appliers/plugins.js';
import type { Change, ChangeResult } from '../core/applier.js';
import { escapeControls } from './output.js';

const MARKS: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', noop: '=' };

/** Lines of the plan shown per applier; the rest are counted in one line (`apply --json` has them all). */
export const MAX_PLAN_LINES = 200;
/** Warnings, and errors, printed per applier; the rest are counted in one line, --quiet or not. */
export const MAX_MESSAGES = 20;

/** The first `max` lines, and a last one counting the others. */
function capped(lines: readonly string[], max: number, what: string): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `… and ${lines.length - max} more ${what}`];
}

/** An applier's warnings and errors as printed on stderr: at most MAX_MESSAGES of each. */
export function applierMessages(run: ApplierRun): { warnings: string[]; errors: string[] } {
  return { warnings: capped(run.warnings, MAX_MESSAGES, 'warnings'), errors: capped(run.errors, MAX_MESSAGES, 'errors') };
}

function paint(c: ChalkInstance, change: Change): (text: string) => string {
  if (change.skipped !== undefined || change.action === 'noop') return c.dim;
  if (change.action === 'create') return c.green;
  if (change.action === 'delete') return c.red;
  return c.yellow;
}

/** One applier's block of the plan, each value escaped (it comes from the metadata), at most MAX_PLAN_LINES lines. */
function renderRun(run: ApplierRun, c: ChalkInstance): string[] {
  const lines: string[] = [];
  if (run.changes.length === 0 && run.errors.length === 0) lines.push(c.dim('  (nothing to do)'));
  for (const change of run.changes) {
    const color = paint(c, change);
    const skipped = change.skipped === undefined ? '' : ` (skipped: ${change.skipped})`;
    lines.push(color(escapeControls(`  ${MARKS[change.action]} ${change.target}: ${change.summary}${skipped}`)));
    if (change.action === 'noop') continue;
    for (const line of (change.before ?? '').split('\n').filter((text) => text !== '')) lines.push(c.red(`      - ${escapeControls(line)}`));
    for (const line of (change.after ?? '').split('\n').filter((text) => text !== '')) lines.push(c.green(`      + ${escapeControls(line)}`));
  }
  const shown = capped(lines, MAX_PLAN_LINES, 'lines (mdctl apply --json lists every change)');
  for (const error of applierMessages(run).errors) shown.push(c.red(`  ✗ ${escapeControls(error)}`));
  return shown;
}

/** The plan as text: one block per applier, a line per change, -/+ lines for what changes. */
export function renderPlan(runs: readonly ApplierRun[], c: ChalkInstance): string {
  return runs.flatMap((run) => [c.bold(escapeControls(run.applier.id)), ...renderRun(run, c)]).join('\n');
}

/** One closing line: how many changes were applied, unchanged, skipped, failed; which appliers failed. */
export function renderSummary(runs: readonly ApplierRun[], plugins: readonly PluginFailure[], dryRun: boolean, c: ChalkInstance): string {
  const count = (status: ChangeResult['status']): number => runs.reduce((sum, run) => sum + run.results.filter((r) => r.status === status).length, 0);
  const parts = dryRun ? [`${count('dry-run')} to change (dry run)`] : [`${count('applied')} applied`];
  parts.push(`${count('noop')} unchanged`, `${count('skipped')} skipped`);
  if (!dryRun && count('failed') > 0) parts.push(`${count('failed')} failed`);
  const failed = [...runs.filter((run) => run.errors.length > 0).map((run) => run.applier.id), ...plugins.map((p) => `plugin ${p.module}`)];
  const tail = failed.length === 0 ? '' : c.red(`; failed: ${escapeControls(failed.join(', '))}`);
  return `${parts.join(', ')}${tail}`;
}

/** A change without its applier-private data, keys in one order. */
function publicChange(change: Change): Omit<Change, 'data'> {
  const { applier, action, target, summary, before, after, skipped } = change;
  return { applier, action, target, summary, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }), ...(skipped === undefined ? {} : { skipped }) };
}

/** The JSON of `apply --json`: every planned change, every result, each applier's outcome. */
export function planJson(runs: readonly ApplierRun[], plugins: readonly PluginFailure[]): unknown {
  return {
    changes: runs.flatMap((run) => run.changes.map(publicChange)),
    results: runs.flatMap((run) =>
      run.results.map((result) => ({
        applier: result.change.applier,
        target: result.change.target,
        action: result.change.action,
        status: result.status,
        ...(result.error === undefined ? {} : { error: result.error }),
      })),
    ),
    appliers: runs.map((run) => ({
      id: run.applier.id,
      status: run.errors.length > 0 ? 'failed' : 'ok',
      errors: run.errors,
      warnings: run.warnings,
    })),
    plugins: plugins.map((plugin) => ({ module: plugin.module, error: plugin.message })),
  };
}

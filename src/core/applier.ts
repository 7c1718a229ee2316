// The Applier interface, the Change record every applier plans and applies, and the results of a run.
import type { Instance } from './instance.js';

export type ChangeAction = 'create' | 'update' | 'delete' | 'noop';

export interface Change {
  applier: string;
  action: ChangeAction;
  /** What is changed: a file path, "running hostname", a route. */
  target: string;
  before?: string;
  after?: string;
  summary: string;
  /** Set when the change is planned but will not be applied (e.g. "not live"). */
  skipped?: string;
  /** Applier-private data carried from plan() to apply(); never printed. */
  data?: unknown;
}

export interface ApplyContext {
  /** Directory file effects go under ("/" on a live system). */
  root: string;
  /** Whether live effects (running hostname, kernel routes) may happen. */
  live: boolean;
  dryRun: boolean;
  /** The SSH key user, when set by --user or the config file. */
  user: string | undefined;
  /** What this applier's remember() returned on the last run for this instance (undefined the first time). */
  previous: unknown;
  /** A non-fatal note (a route skipped on purpose). */
  warn(message: string): void;
  /**
   * A value this applier cannot accept (a bad key line, a bad route): reported, the applier
   * counts as failed (exit 3), its other changes still apply.
   */
  refuse(message: string): void;
}

export type ResultStatus = 'applied' | 'noop' | 'skipped' | 'failed' | 'dry-run';

export interface ChangeResult {
  change: Change;
  status: ResultStatus;
  /** The one-line error when status is "failed". */
  error?: string;
}

/**
 * A change not finished yet, as remember() sees it when the state is recorded while the run is
 * under way: 'pending' (not tried yet) or 'started' (being carried out: the process may die
 * before its outcome is known, so it may or may not have happened).
 */
export type ProgressStatus = 'pending' | 'started';

export interface ProgressResult {
  change: Change;
  status: ResultStatus | ProgressStatus;
  error?: string;
}

export interface Applier {
  id: string;
  description: string;
  /**
   * Parts of the document this applier cannot work without. When one is null (its file was
   * broken: see the document's problems), the runner fails the applier with the problem's
   * reason (exit 3) without planning it, and what it remembered is kept; the others run.
   */
  needs?: readonly (keyof Instance)[];
  /** Reads current state and says what would change; never writes. */
  plan(doc: Instance, ctx: ApplyContext): Promise<Change[]>;
  /** Carries out one change planned by plan(). */
  apply(change: Change, ctx: ApplyContext): Promise<void>;
  /**
   * What to keep for the next run after this one (JSON-safe): what mdctl added and owns.
   * Given this run's results; not called on a dry run. Returning undefined keeps what was
   * remembered before. With `recordsProgress`, also called while the run is under way, with
   * 'pending' and 'started' results among the others.
   */
  remember?(results: ProgressResult[], ctx: ApplyContext): unknown;
  /**
   * Set when remember() understands 'pending' and 'started' results: the runner then records
   * the state before and after each chunk of changes, so a run killed midway is finished or
   * undone by the next. Without it, the state is recorded once this applier's changes are done.
   */
  recordsProgress?: boolean;
  /** How many changes one applyChunk() call takes (default 1). */
  chunkSize?: number;
  /**
   * Carries out several changes at once (at most chunkSize), instead of apply() one by one.
   * Returns one entry per change, in order: null when it was applied, else why it failed.
   */
  applyChunk?(changes: Change[], ctx: ApplyContext): Promise<(string | null)[]>;
}

// The Applier interface and the Change record every applier plans and applies.
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
  /** Applier-private data carried from plan() to apply(). */
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
  /** Per-applier memory of what mdctl added on earlier runs (see appliers/state). */
  previous: Record<string, unknown>;
  /** Called by plan()/apply() for a non-fatal problem (a refused key line). */
  warn(message: string): void;
}

export interface Applier {
  id: string;
  description: string;
  /** Reads current state and says what would change; never writes. */
  plan(doc: Instance, ctx: ApplyContext): Promise<Change[]>;
  /** Carries out one change planned by plan(). */
  apply(change: Change, ctx: ApplyContext): Promise<void>;
}

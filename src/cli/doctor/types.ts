// One hop of `mdctl doctor`'s walk to the metadata service, and the hop ids in walking order.

export type HopStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** The path to the service, in order; the walk stops at the first that fails. */
export const PATH_HOPS = ['route', 'ipv6', 'tcp', 'http', 'index', 'files'] as const;
/** Facts of this machine, reported whatever the path does. */
export const LOCAL_HOPS = ['proxy-env', 'cache'] as const;

export type HopId = (typeof PATH_HOPS)[number] | (typeof LOCAL_HOPS)[number];

/** A failed hop: the network is at fault (exit 4), or the service answered and refused or served bad metadata (exit 5). */
export type Failure = 'unreachable' | 'rejected';

export interface Hop {
  id: HopId;
  status: HopStatus;
  /** One line: what was found; on a failure, what to look at. */
  detail: string;
  failure?: Failure;
}

export function ok(id: HopId, detail: string): Hop {
  return { id, status: 'ok', detail };
}

export function warn(id: HopId, detail: string): Hop {
  return { id, status: 'warn', detail };
}

export function fail(id: HopId, failure: Failure, detail: string): Hop {
  return { id, status: 'fail', detail, failure };
}

export function skipped(id: HopId, detail: string): Hop {
  return { id, status: 'skipped', detail };
}

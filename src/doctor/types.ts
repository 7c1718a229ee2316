// One hop of `mdctl doctor`'s walk to the metadata service, and the hop ids in walking order.
import type { Check } from '../core/check.js';

/** The path to the service, in order; the walk stops at the first that fails. */
export const PATH_HOPS = ['route', 'ipv6', 'tcp', 'http', 'index', 'files'] as const;
/** Facts of this machine, reported whatever the path does. */
type LocalHop = 'config' | 'proxy-env' | 'cache';

export type HopId = (typeof PATH_HOPS)[number] | LocalHop;

/** A failed hop: the network is at fault (exit 4), the service answered and refused or served bad metadata (exit 5), or mdctl's config file is bad (exit 2). */
type Failure = 'unreachable' | 'rejected' | 'config';

export interface Hop extends Check<HopId> {
  failure?: Failure;
}

export function pass(id: HopId, message: string): Hop {
  return { id, status: 'pass', message };
}

export function warn(id: HopId, message: string): Hop {
  return { id, status: 'warn', message };
}

export function fail(id: HopId, failure: Failure, message: string): Hop {
  return { id, status: 'fail', message, failure };
}

export function skip(id: HopId, message: string): Hop {
  return { id, status: 'skip', message };
}

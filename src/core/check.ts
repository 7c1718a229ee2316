// One check of a report (`validate`'s checks, `doctor`'s hops): the statuses and field names both print and put in --json.

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Check<Id extends string = string> {
  id: Id;
  status: CheckStatus;
  /** One line: what was found, and on a failure what is wrong and what to do. */
  message: string;
}

/** How many checks have each status, in the order a summary names them. */
export function countStatuses(checks: readonly Check[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) counts[check.status] += 1;
  return counts;
}

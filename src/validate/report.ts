// validate's verdict over its checks: the closing summary and the exit status they give.
import { countStatuses } from '../core/check.js';
import { Exit, type ExitStatus } from '../core/errors.js';
import type { ValidateReport } from './run.js';
import type { CheckResult } from './types.js';

export function summary(results: readonly CheckResult[]): string {
  const count = countStatuses(results);
  return `${results.length} checks: ${count.pass} passed, ${count.warn} warnings, ${count.fail} failed, ${count.skip} skipped`;
}

/**
 * 0 when nothing fails; 5 when any check fails; 4 when the endpoint could not be reached
 * and nothing else failed (a failing image check is definite, retrying cannot fix it).
 */
export function exitStatus(report: ValidateReport): ExitStatus {
  const failed = report.results.filter((result) => result.status === 'fail');
  if (failed.length === 0) return Exit.OK;
  if (report.unreachable && failed.every((result) => result.id === 'crawl')) return Exit.UNREACHABLE;
  return Exit.REJECTED;
}

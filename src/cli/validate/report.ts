// Prints validate's checks: one table line per check (colour on a TTY), or a JSON array; and the exit status they give.
import type { ChalkInstance } from 'chalk';
import { Exit, type ExitStatus } from '../../core/errors.js';
import type { Output } from '../output.js';
import type { ValidateReport } from './run.js';
import type { CheckResult, CheckStatus } from './types.js';

function paint(c: ChalkInstance, status: CheckStatus, text: string): string {
  switch (status) {
    case 'pass':
      return c.green(text);
    case 'warn':
      return c.yellow(text);
    case 'fail':
      return c.red.bold(text);
    case 'skip':
      return c.dim(text);
  }
}

/** "pass  boot-unit     /etc/systemd/system/mdctl.service runs ..." */
export function formatTable(results: readonly CheckResult[], c: ChalkInstance): string {
  const width = Math.max(...results.map((result) => result.id.length));
  return results.map((result) => `${paint(c, result.status, result.status.padEnd(4))}  ${result.id.padEnd(width)}  ${result.message}`).join('\n');
}

export function summary(results: readonly CheckResult[]): string {
  const count = (status: CheckStatus): number => results.filter((result) => result.status === status).length;
  return `${results.length} checks: ${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed, ${count('skip')} skipped`;
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

export async function printReport(out: Output, report: ValidateReport): Promise<void> {
  if (out.structured) {
    await out.value(report.results.map(({ id, status, message }) => ({ id, status, message })));
    return;
  }
  out.data(formatTable(report.results, await out.chalk()));
  out.info(`validate: ${summary(report.results)}`);
}

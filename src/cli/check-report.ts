// Prints a report of checks (validate, doctor): one table line each, the status coloured on a TTY, or a JSON array of {id, status, message}.
import type { ChalkInstance } from 'chalk';
import type { Check, CheckStatus } from '../core/check.js';
import { escapeControls, type Output } from './output.js';

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
function formatChecks(checks: readonly Check[], c: ChalkInstance): string {
  const width = Math.max(...checks.map((check) => check.id.length));
  return checks.map((check) => `${paint(c, check.status, check.status.padEnd(4))}  ${check.id.padEnd(width)}  ${escapeControls(check.message)}`).join('\n');
}

/** The table on stdout and a closing line on stderr, or with --json/--yaml the checks alone. */
export async function printChecks(out: Output, checks: readonly Check[], closing: string): Promise<void> {
  if (out.structured) {
    await out.value(checks.map(({ id, status, message }) => ({ id, status, message })));
    return;
  }
  out.data(formatChecks(checks, await out.chalk()));
  out.info(closing);
}

// Prints doctor's hops (one line each, colour on a TTY) or a JSON array, and the exit status they give.
import type { ChalkInstance } from 'chalk';
import { Exit, type ExitStatus } from '../../core/errors.js';
import type { Output } from '../output.js';
import type { Hop, HopStatus } from './types.js';

function paint(c: ChalkInstance, status: HopStatus, text: string): string {
  switch (status) {
    case 'ok':
      return c.green(text);
    case 'warn':
      return c.yellow(text);
    case 'fail':
      return c.red.bold(text);
    case 'skipped':
      return c.dim(text);
  }
}

/** "ok       route      169.254.169.254/32 via 192.168.0.3 dev ens3 metric 100: ..." */
export function formatHops(hops: readonly Hop[], c: ChalkInstance): string {
  const width = Math.max(...hops.map((hop) => hop.id.length));
  return hops.map((hop) => `${paint(c, hop.status, hop.status.padEnd(7))}  ${hop.id.padEnd(width)}  ${hop.detail}`).join('\n');
}

/** 0 healthy (warnings allowed); 4 a network hop failed; 5 the service answered but refused or served bad metadata. */
export function exitStatus(hops: readonly Hop[]): ExitStatus {
  const failed = hops.find((hop) => hop.status === 'fail');
  if (failed === undefined) return Exit.OK;
  return failed.failure === 'rejected' ? Exit.REJECTED : Exit.UNREACHABLE;
}

export async function printHops(out: Output, hops: readonly Hop[]): Promise<void> {
  if (out.structured) {
    await out.value(hops.map(({ id, status, detail }) => ({ id, status, detail })));
    return;
  }
  out.data(formatHops(hops, await out.chalk()));
  const failed = hops.find((hop) => hop.status === 'fail');
  out.info(failed === undefined ? 'doctor: the path to the metadata service is healthy' : `doctor: the ${failed.id} hop fails; the hops after it were not tried`);
}

// doctor's verdict over its hops: the closing line and the exit status they give.
import { Exit, type ExitStatus } from '../core/errors.js';
import type { Hop } from './types.js';

/** 0 healthy (warnings allowed); 4 a network hop failed; 5 the service answered but refused or served bad metadata; 2 the config file is bad. */
export function exitStatus(hops: readonly Hop[]): ExitStatus {
  const failed = hops.find((hop) => hop.status === 'fail');
  if (failed === undefined) return Exit.OK;
  if (failed.failure === 'config') return Exit.USAGE;
  return failed.failure === 'rejected' ? Exit.REJECTED : Exit.UNREACHABLE;
}

export function closing(hops: readonly Hop[]): string {
  const failed = hops.find((hop) => hop.status === 'fail');
  if (failed === undefined) return 'doctor: the path to the metadata service is healthy';
  if (failed.failure === 'config') return `doctor: the ${failed.id} hop fails: mdctl refuses to run with this config file`;
  return `doctor: the ${failed.id} hop fails; the hops after it were not tried`;
}

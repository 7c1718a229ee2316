// The one place that knows mdctl's default paths and its deadline bounds. Pure.
import { MdctlError, quote } from './errors.js';

/** Where the instance cache lives (a tmpfs: gone at reboot). */
export const DEFAULT_CACHE_DIR = '/run/mdctl';
/** Where per-instance state lives (kept across reboots). */
export const DEFAULT_STATE_DIR = '/var/lib/mdctl';
/** Where a config drive that is not mounted gets its private mount directory (a tmpfs, there before networking). */
export const DRIVE_MOUNT_PARENT = '/run';
/** The configuration file. */
export const DEFAULT_CONFIG = '/etc/mdctl/config.yaml';
/** The kernel's id of this machine boot: a report written during another boot is not this boot's. */
export const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/** The overall deadline of every command but boot, in seconds. */
export const FETCH_TIMEOUT_SECONDS = 10;
/** boot's overall deadline: it waits for a service that comes up late. */
export const BOOT_TIMEOUT_SECONDS = 120;
/** A day: a longer deadline is a typo. */
const MAX_TIMEOUT_SECONDS = 86_400;

/** Why a number of seconds is refused as a deadline, or null when it is one. */
export function timeoutProblem(seconds: number): string | null {
  if (Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS) return null;
  return `must be a number of seconds, more than 0 and at most ${MAX_TIMEOUT_SECONDS}`;
}

/** The seconds a `--timeout` text names, or NaN when it names none. */
export function timeoutSeconds(value: string): number {
  return /^\s*\d*\.?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
}

/** `--timeout SECONDS` in milliseconds (the default when absent); ERR_USAGE when it is not a deadline. */
export function parseTimeout(value: string | undefined, defaultSeconds: number): number {
  if (value === undefined) return defaultSeconds * 1000;
  const seconds = timeoutSeconds(value);
  const problem = timeoutProblem(seconds);
  if (problem !== null) throw new MdctlError('ERR_USAGE', `--timeout ${quote(value)}: ${problem}`);
  return Math.round(seconds * 1000);
}

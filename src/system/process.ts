// Whether a process id names a running process (the owner of a lock or of a temp file), and when it started.
import { readFileSync } from 'node:fs';

/** True when `pid` runs (EPERM: it runs as another user); false when no such process exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or null when
 * it cannot be read. With the pid it names one process: a reused pid has another start time.
 */
export function processStartTime(pid: number, procRoot = '/proc'): string | null {
  let stat: string;
  try {
    stat = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // Field 2 (the command name) is in parentheses and may hold spaces or ")": count from the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : null;
}

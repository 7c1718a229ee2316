// Whether a process id names a running process (the owner of a lock or of a temp file).

/** True when `pid` runs (EPERM: it runs as another user); false when no such process exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

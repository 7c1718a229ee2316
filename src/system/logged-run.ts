// Runs one program without a shell, its stdout and stderr into a log file, killed (with its process group) after a timeout.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

interface LoggedRunOptions {
  /** The log file (created or truncated, 0600, never through a symlink). */
  logPath: string;
  timeoutMs: number;
  cwd?: string;
}

interface LoggedRunResult {
  /** Exit status, or null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Why the program could not start (ENOENT, EACCES, ENOEXEC), or undefined. */
  startError?: string;
}

/** Runs a program given as an argument array; runs to its end (or the timeout) and resolves, never rejects for the program's failure. */
export type LoggedRun = (argv: readonly string[], options: LoggedRunOptions) => Promise<LoggedRunResult>;

export const runLogged: LoggedRun = async (argv, options) => {
  const [file, ...args] = argv;
  const log = await open(options.logPath, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    if (file === undefined) return { code: null, signal: null, timedOut: false, startError: 'empty command' };
    return await new Promise<LoggedRunResult>((resolve) => {
      const child = spawn(file, args, { shell: false, detached: true, stdio: ['ignore', log.fd, log.fd], cwd: options.cwd ?? '/' });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        }
      }, options.timeoutMs);
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, timedOut: false, startError: error.code ?? error.message });
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, timedOut });
      });
    });
  } finally {
    await log.close();
  }
};

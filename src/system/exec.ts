// Runs a program without a shell: an argument array, a timeout, typed errors carrying stderr's first line.
import { execFile } from 'node:child_process';
import { MdctlError, quote } from '../core/errors.js';

interface ExecResult {
  stdout: string;
  stderr: string;
  /** The exit status when `allowFailure` is set (0 or the non-zero one let through). */
  status?: number;
}

interface ExecOptions {
  /** Kill the program after this many milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Written to the program's standard input (closed after it); without it, stdin is empty. */
  input?: string;
  /** Resolve with the output when the program exits non-zero (not on a signal, a timeout or a missing program). */
  allowFailure?: boolean;
}

/** Runs a command given as an argument array; never through a shell. */
export type Exec = (argv: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

export const exec: Exec = (argv, options = {}) => {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new MdctlError('ERR_EXEC', 'cannot run an empty command'));
  const shown = quote(argv.join(' '), 120);
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { shell: false, timeout: options.timeoutMs ?? 10_000, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        if (failure === null) {
          resolve({ stdout, stderr, status: 0 });
          return;
        }
        if (options.allowFailure === true && typeof failure.code === 'number' && failure.killed !== true) {
          resolve({ stdout, stderr, status: failure.code });
          return;
        }
        let why: string;
        if (failure.code === 'ENOENT') why = `${quote(file)} is not installed`;
        else if (failure.killed === true) why = `timed out after ${options.timeoutMs ?? 10_000} ms`;
        else why = firstLine(stderr) === '' ? `exit status ${String(failure.code)}` : quote(firstLine(stderr), 200);
        reject(new MdctlError('ERR_EXEC', `${shown} failed: ${why}`, { cause: error }));
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
};

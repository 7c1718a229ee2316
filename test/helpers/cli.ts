// Runs the built CLI (bin/mdctl.js, or another entry) as a real process and collects its status and output.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../bin/mdctl.js', import.meta.url));
/** The multi-file build that the single file is made from: one module per source file. */
export const MULTI_FILE = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Kill the process after this many milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Prefix the command, e.g. ['ip', 'netns', 'exec', 'guest']. */
  wrap?: string[];
  /** The script node runs (default BIN). */
  entry?: string;
  /** The node executable (default: the one running the tests). */
  node?: string;
  /** Hears the whole stderr so far each time more arrives (to wait for a line mdctl prints as it goes). */
  onStderr?: (stderr: string) => void;
}

/** A promise of the first time `text` matches `pattern`, and the `onStderr` hook that feeds it. */
export function stderrLine(pattern: RegExp): { seen: Promise<void>; onStderr: (stderr: string) => void } {
  let heard = (): void => undefined;
  const seen = new Promise<void>((resolve) => (heard = resolve));
  return { seen, onStderr: (stderr) => (pattern.test(stderr) ? heard() : undefined) };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const command = [...(options.wrap ?? []), options.node ?? process.execPath, options.entry ?? BIN, ...args];
  const [file, ...rest] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, rest, {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(stderr);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

// The full program: commander over the option table, each command loaded when it runs, and every failure turned into one line and an exit status.
import { Exit, MdctlError, exitStatusOf, isMdctlError, oneLine } from '../core/errors.js';
import type { CommandRun } from './context.js';
import { Output } from './output.js';
import { buildProgram } from './program.js';

/** Runs the command line; `onCommand` hears which command runs (the single-file build keeps its code cache by it). */
export async function main(argv: string[], onCommand?: (name: string) => void): Promise<number> {
  const commander = await import('commander');
  // A write error on stdout is reported once the command is done (below), not thrown at random.
  process.stdout.on('error', () => undefined);
  let out = new Output({});
  let status: number = Exit.OK;
  try {
    const program = buildProgram(commander, async (name, partial) => {
      onCommand?.(name);
      out = new Output({ ...partial.opts }, partial.env);
      const mod = (await import(`./commands/${name}.js`)) as { run: CommandRun };
      status = await mod.run({ ...partial, out });
    });
    // No command at all: the help, on stdout, as `mdctl --help` prints it.
    await program.parseAsync(argv.length > 2 ? argv : [...argv, '--help']);
  } catch (error) {
    if (error instanceof commander.CommanderError) return error.exitCode === 0 ? Exit.OK : Exit.USAGE;
    report(out, error);
    status = exitStatusOf(error);
  }
  const unwritten = stdoutFailure();
  if (unwritten === undefined) return status;
  report(out, unwritten);
  return status === Exit.OK ? exitStatusOf(unwritten) : status;
}

/**
 * What went wrong writing to stdout, if anything (stdout is synchronous for files, and for pipes
 * on Linux, so it is known by now): a full disk fails the run; a reader that has gone (EPIPE,
 * `mdctl get --json | head -c0`) does not, as with any Unix tool.
 */
function stdoutFailure(): MdctlError | undefined {
  const error = process.stdout.errored as NodeJS.ErrnoException | null;
  if (error === null || error.code === 'EPIPE') return undefined;
  return new MdctlError('ERR_IO', `cannot write to stdout: ${error.code ?? error.message}`, { cause: error });
}

function report(out: Output, error: unknown): void {
  if (isMdctlError(error)) {
    const hint = error.hint === undefined ? '' : ` (${error.hint})`;
    out.error(`${oneLine(error.message)}${hint}`);
  } else {
    out.error(`internal error: ${oneLine(error)}`);
  }
  if (out.debugging && error instanceof Error && error.stack !== undefined) {
    process.stderr.write(`${error.stack}\n`);
  }
}

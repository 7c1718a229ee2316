// The full program: commander over the option table, each command loaded when it runs, and every failure turned into one line and an exit status.
import { Exit, exitStatusOf, isMdctlError } from '../core/errors.js';
import type { CommandRun } from './context.js';
import { Output, oneLine } from './output.js';
import { buildProgram } from './program.js';

/** Runs the command line; `onCommand` hears which command runs (the single-file build keeps its code cache by it). */
export async function main(argv: string[], onCommand?: (name: string) => void): Promise<number> {
  const commander = await import('commander');
  let out = new Output({});
  let status: number = Exit.OK;
  try {
    const program = buildProgram(commander, async (name, partial) => {
      onCommand?.(name);
      out = new Output({ ...partial.opts }, partial.env);
      const mod = (await import(`./commands/${name}.js`)) as { run: CommandRun };
      status = await mod.run({ ...partial, out });
    });
    await program.parseAsync(argv);
    return status;
  } catch (error) {
    if (error instanceof commander.CommanderError) return error.exitCode === 0 ? Exit.OK : Exit.USAGE;
    report(out, error);
    return exitStatusOf(error);
  }
}

function report(out: Output, error: unknown): void {
  if (isMdctlError(error)) {
    const hint = error.hint === undefined ? '' : ` (${error.hint})`;
    out.error(`${oneLine(error.message)}${hint}`);
  } else {
    out.error(`internal error: ${oneLine(error instanceof Error ? error.message : String(error))}`);
  }
  if (out.debugging && error instanceof Error && error.stack !== undefined) {
    process.stderr.write(`${error.stack}\n`);
  }
}

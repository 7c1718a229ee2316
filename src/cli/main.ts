// Program entry: builds commander from the spec (or takes get's direct path), lazy-loads the command, maps errors to exit codes.
import { Exit, exitStatusOf, isMdctlError } from '../core/errors.js';
import type { CommandContext, CommandRun } from './context.js';
import { parseDirect } from './direct.js';
import { Output, oneLine } from './output.js';
import type { Commander } from './program.js';

export async function main(argv: string[]): Promise<number> {
  let out = new Output({});
  let status: number = Exit.OK;
  const run = async (name: string, partial: Omit<CommandContext, 'out'>): Promise<void> => {
    out = new Output({ ...partial.opts }, partial.env);
    const mod = (await import(`./commands/${name}.js`)) as { run: CommandRun };
    status = await mod.run({ ...partial, out });
  };
  let commander: Commander | undefined;
  try {
    // A plain `mdctl get KEY` needs no commander: the same table, parsed by node:util.
    const direct = parseDirect(argv.slice(2), process.env);
    if (direct !== null) {
      await run(direct.name, { args: direct.args, opts: direct.opts, env: process.env });
      return status;
    }
    commander = await import('commander');
    const { buildProgram } = await import('./program.js');
    await buildProgram(commander, run).parseAsync(argv);
    return status;
  } catch (error) {
    if (commander !== undefined && error instanceof commander.CommanderError) {
      return error.exitCode === 0 ? Exit.OK : Exit.USAGE;
    }
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

const status = await main(process.argv).catch((error: unknown) => {
  process.stderr.write(`mdctl: internal error: ${String(error)}\n`);
  return Exit.FAILURE;
});
// Nothing outlives the run: a plugin's stray timer or socket must not hold the boot unit open.
process.exit(status);

// Program entry: builds commander from the spec, lazy-loads the command, maps errors to exit codes.
import { Command, CommanderError, Option } from 'commander';
import { Exit, MdctlError, exitStatusOf, isMdctlError, quote } from '../core/errors.js';
import type { CommandContext, CommandRun, GlobalOptions } from './context.js';
import { Output } from './output.js';
import { COMMANDS, GLOBAL_OPTIONS, type OptionSpec } from './spec.js';
import { VERSION } from './version.js';

function toOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.env !== undefined) option.env(spec.env);
  if (spec.choices !== undefined) option.choices(spec.choices);
  if (spec.repeatable === true) {
    option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  }
  if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
  return option;
}

/** Refuses a bad global value (--timeout abc, --source bogus) the same way for every command, before it runs. */
function checkGlobals(opts: Record<string, unknown>): void {
  for (const spec of GLOBAL_OPTIONS) {
    if (spec.check === undefined) continue;
    const option = new Option(spec.flags);
    const value = opts[option.attributeName()];
    if (typeof value !== 'string') continue;
    const why = spec.check(value);
    if (why !== null) throw new MdctlError('ERR_USAGE', `${option.long ?? spec.flags} ${quote(value)}: ${why}`);
  }
}

function oneLine(text: string): string {
  return text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
}

export function buildProgram(onRun: (name: string, ctx: Omit<CommandContext, 'out'>) => Promise<void>): Command {
  const program = new Command('mdctl')
    .description('Guest-side OpenStack metadata client')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (text, write) => write(`mdctl: ${oneLine(text)} (see mdctl --help)\n`) });
  for (const spec of GLOBAL_OPTIONS) program.addOption(toOption(spec));

  for (const spec of COMMANDS) {
    const command = program
      .command(spec.args === undefined ? spec.name : `${spec.name} ${spec.args}`)
      .description(spec.summary)
      .exitOverride()
      .configureOutput({ outputError: (text, write) => write(`mdctl: ${oneLine(text)} (see mdctl ${spec.name} --help)\n`) });
    for (const option of spec.options) command.addOption(toOption(option));
    command.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      const args = self.args;
      const opts = self.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
      checkGlobals(opts);
      await onRun(spec.name, { args, opts, env: process.env });
    });
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let out = new Output({});
  let status: number = Exit.OK;
  const program = buildProgram(async (name, partial) => {
    out = new Output({ ...partial.opts }, partial.env);
    const mod = (await import(`./commands/${name}.js`)) as { run: CommandRun };
    status = await mod.run({ ...partial, out });
  });
  try {
    await program.parseAsync(argv);
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
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

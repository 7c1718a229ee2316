// Builds the commander program from the option table; full.ts loads it, off the direct path.
import type { Command, Option } from 'commander';
import { MdctlError, oneLine, quote } from '../core/errors.js';
import type { CommandContext, GlobalOptions } from './context.js';
import { COMMANDS, GLOBAL_OPTIONS, optionKey, type OptionSpec } from './spec.js';
import { VERSION } from './version.js';

type Commander = typeof import('commander');

function toOption(commander: Commander, spec: OptionSpec): Option {
  const option = new commander.Option(spec.flags, spec.description);
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
    const value = opts[optionKey(spec.flags)];
    if (typeof value !== 'string') continue;
    const why = spec.check(value);
    if (why !== null) {
      throw new MdctlError('ERR_USAGE', `${/--[a-z][a-z0-9-]*/.exec(spec.flags)?.[0] ?? spec.flags} ${quote(value)}: ${why}`, spec.hint === undefined ? {} : { hint: spec.hint });
    }
  }
  if (opts.json === true && opts.yaml === true) throw new MdctlError('ERR_USAGE', '--json and --yaml: give one of them, not both');
}

/** `mdctl help [COMMAND]`: the program's or the command's help on stdout (exit 0); an unknown command is a usage error. */
function addHelpCommand(program: Command): void {
  program.helpCommand(false);
  program
    .command('help [command]')
    .description('display help for command')
    .action((name: string | undefined) => {
      if (name === undefined) program.help();
      const command = program.commands.find((candidate) => candidate.name() === name);
      if (command === undefined) throw new MdctlError('ERR_USAGE', `help: unknown command ${quote(name)}`, { hint: 'see mdctl --help for the commands' });
      command.help();
    });
}

/** commander's message without its "error: " prefix: mdctl says "mdctl: " instead. */
function withoutPrefix(text: string): string {
  return text.replace(/^error: /, '');
}

export function buildProgram(commander: Commander, onRun: (name: string, ctx: Omit<CommandContext, 'out'>) => Promise<void>): Command {
  const program = new commander.Command('mdctl')
    .description('Guest-side OpenStack metadata client')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (text, write) => write(`mdctl: ${oneLine(withoutPrefix(text))} (see mdctl --help)\n`) });
  for (const spec of GLOBAL_OPTIONS) program.addOption(toOption(commander, spec));

  for (const spec of COMMANDS) {
    const command = program
      .command(spec.args === undefined ? spec.name : `${spec.name} ${spec.args}`)
      .description(spec.summary)
      .exitOverride()
      .configureOutput({ outputError: (text, write) => write(`mdctl: ${oneLine(withoutPrefix(text))} (see mdctl ${spec.name} --help)\n`) });
    for (const option of spec.options) command.addOption(toOption(commander, option));
    command.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      const args = self.args;
      const opts = self.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
      checkGlobals(opts);
      await onRun(spec.name, { args, opts, env: process.env });
    });
  }
  addHelpCommand(program);
  return program;
}

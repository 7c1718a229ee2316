// The hot path of `mdctl get`: a plain command line, parsed from the same option table without commander, answered from a good cache.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readCache } from '../cache/cache.js';
import { DEFAULT_CONFIG } from '../core/defaults.js';
import { answerFromCache } from './cached-answer.js';
import type { GlobalOptions } from './context.js';
import { lookup, namesUserDataParts, namesVendorDataParts, parseKey } from './keypath.js';
import { COMMANDS, GLOBAL_OPTIONS, optionKey, type CommandSpec, type OptionSpec } from './spec.js';

/** Commands whose plain invocations skip commander: `get` runs in scripts, many times. */
const DIRECT = new Set(['get']);

interface DirectRun {
  name: string;
  args: string[];
  opts: GlobalOptions & Record<string, unknown>;
}

interface Parsed {
  long: string;
  short: string | undefined;
  takesValue: boolean;
  spec: OptionSpec;
}

function describe(spec: OptionSpec): Parsed {
  const match = /^(?:-([a-zA-Z]), )?--([a-z][a-z0-9-]*)( <[^>]+>)?$/.exec(spec.flags);
  if (match === null) throw new Error(`option table: cannot read ${spec.flags}`);
  return { short: match[1], long: match[2] as string, takesValue: match[3] !== undefined, spec };
}

/**
 * The command and options of `argv` when it is a plain run of a direct command: only options the
 * table names, each valid by its check, at most the command's positional arguments, no help or
 * version. Anything else is null and goes through commander, which owns every message.
 */
export function parseDirect(argv: readonly string[], env: NodeJS.ProcessEnv): DirectRun | null {
  for (const command of COMMANDS.filter((spec) => DIRECT.has(spec.name))) {
    const run = parseFor(command, argv, env);
    if (run !== null) return run;
  }
  return null;
}

function parseFor(command: CommandSpec, argv: readonly string[], env: NodeJS.ProcessEnv): DirectRun | null {
  const options = [...GLOBAL_OPTIONS, ...command.options].map(describe);
  if (options.some((option) => option.spec.repeatable === true || option.spec.choices !== undefined)) return null;
  const config: ParseArgsConfig['options'] = {};
  for (const option of options) {
    config[option.long] = { type: option.takesValue ? 'string' : 'boolean', ...(option.short === undefined ? {} : { short: option.short }) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: true });
  } catch {
    return null;
  }
  const [name, ...args] = parsed.positionals;
  const maxArgs = (command.args ?? '').split(' ').filter((arg) => arg !== '').length;
  if (name !== command.name || args.length > maxArgs) return null;
  const opts: Record<string, unknown> = {};
  for (const option of options) {
    const key = optionKey(option.spec.flags);
    const given = parsed.values[option.long];
    if (option.long.startsWith('no-')) {
      opts[key] = given !== true;
      continue;
    }
    const value = given ?? (option.spec.env === undefined ? undefined : env[option.spec.env]) ?? option.spec.defaultValue;
    if (value === undefined) continue;
    const why = typeof value === 'string' ? (option.spec.check?.(value) ?? null) : null;
    if (why !== null) return null;
    opts[key] = value;
  }
  return { name: command.name, args, opts: opts as GlobalOptions & Record<string, unknown> };
}

/**
 * Whether the config file says nothing, so the direct path may answer without reading it: the
 * default file absent, or a file of comments and blank lines only (as `install` writes it).
 * Anything else goes to the full program, which reads it and refuses a bad one as every command does.
 */
function configSaysNothing(path: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && path === DEFAULT_CONFIG;
  }
  return text.split('\n').every((line) => /^\s*(#.*)?$/.test(line));
}

/**
 * The text `mdctl get KEY` prints, when a plain command line asks for a string the cache holds
 * and nothing needs saying besides it. Anything else is null: the full program runs the command
 * from the start and owns every message, warning and error (so a failure here is only a null).
 */
export async function directAnswer(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string | null> {
  const direct = parseDirect(argv, env);
  if (direct === null || direct.opts.refresh === true || direct.opts.json === true || direct.opts.yaml === true) return null;
  if (!configSaysNothing(direct.opts.config)) return null;
  const key = direct.args[0] ?? '';
  const segments = parseKey(key);
  if (namesUserDataParts(segments) || namesVendorDataParts(segments)) return null;
  try {
    const { answer } = answerFromCache(await readCache(direct.opts.cacheDir), key, segments);
    if (answer === null || answer.withoutSensitive !== null) return null;
    const found = lookup(answer.document, segments);
    return found.found && typeof found.value === 'string' ? found.value : null;
  } catch {
    return null;
  }
}

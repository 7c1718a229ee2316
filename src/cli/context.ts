// What every command receives: its arguments, the merged options, the output and the environment.
import type { Output } from './output.js';

export interface GlobalOptions {
  endpoint?: string;
  source: string;
  cacheDir: string;
  stateDir: string;
  config: string;
  timeout?: string;
  json?: boolean;
  yaml?: boolean;
  quiet?: boolean;
  color: boolean;
  debug?: boolean;
}

export interface CommandContext<O = Record<string, unknown>> {
  args: string[];
  opts: GlobalOptions & O;
  out: Output;
  env: NodeJS.ProcessEnv;
}

/** A command module: src/cli/commands/<name>.ts exports run(). Returns the exit status. */
export type CommandRun = (ctx: CommandContext) => Promise<number>;

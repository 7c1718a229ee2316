// `mdctl completion <shell>`: prints a completion script for the shell, generated from the option table.
import { Exit, MdctlError, quote } from '../../core/errors.js';
import { SHELLS, bashCompletion } from '../completion.js';
import type { CommandContext } from '../context.js';
import { COMMANDS, GLOBAL_OPTIONS } from '../spec.js';

export async function run(ctx: CommandContext): Promise<number> {
  const shell = ctx.args[0];
  if (shell !== 'bash') {
    throw new MdctlError('ERR_USAGE', `completion: unknown shell ${quote(shell ?? '')}`, { hint: `supported: ${SHELLS.join(', ')}` });
  }
  const script = bashCompletion(GLOBAL_OPTIONS, COMMANDS);
  if (ctx.out.structured) await ctx.out.value(script);
  else ctx.out.data(script);
  return Exit.OK;
}

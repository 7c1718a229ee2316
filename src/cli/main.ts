// Program entry: a plain `mdctl get KEY` that the cache answers prints straight away; anything else runs the full program (full.ts).
import { Exit, exitStatusOf, isMdctlError } from '../core/errors.js';
import { directAnswer } from './direct.js';
import { printSync } from './print.js';

async function main(argv: string[]): Promise<number> {
  const answer = await directAnswer(argv.slice(2), process.env);
  if (answer === null) return (await import('./full.js')).main(argv);
  // As Output.data prints it; the direct path loads no more than it needs to answer.
  printSync(answer.endsWith('\n') ? answer : `${answer}\n`);
  return Exit.OK;
}

// Nothing outlives the run: a plugin's stray timer or socket must not hold the boot unit open.
void main(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`mdctl: ${isMdctlError(error) ? error.message : `internal error: ${String(error)}`}\n`);
    return exitStatusOf(error);
  })
  .then((status) => process.exit(status));

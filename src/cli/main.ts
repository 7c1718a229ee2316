// Program entry: a plain `mdctl get KEY` that the cache answers prints straight away; anything else runs the full program (full.ts).
//
// What the single file changes, which src/ does not show (tools/bundle.mjs builds it; docs/internals.md):
// - dist/mdctl.mjs, which bin/mdctl.js and installed images run, holds this module and the direct
//   path as plain ESM. The full program (full.ts, every command, commander, got, ora) travels as
//   CommonJS in a comment at the end of the file: the bundle swaps './full.js' below for
//   embedded.ts, which reads that comment back and runs it.
// - The code cache: embedded.ts compiles the full program with a V8 code cache kept beside the
//   file (mdctl.mjs.v8cache, system/code-cache.ts), tied to the program's hash and the Node
//   version; the first run of each command adds that command's code to it.
// - esbuild defines: MDCTL_FULL_MARKER, MDCTL_FULL_LENGTH and MDCTL_FULL_KEY (where the full
//   program starts, its length and hash: embedded.ts); MDCTL_SINGLE_FILE and MDCTL_MAN_PAGE
//   (install copies the running file and the man page it carries: install/artifacts.ts);
//   import.meta.url becomes __scriptUrl in the full program, and system/import-module.ts becomes
//   the outer file's import() (__importModule), as a script run from a code cache cannot import().
// - Dependency trims (tools/trims.mjs): got's HTTP/2, cache, decompression and DNS cache are
//   stubs that throw; node:https, tls, crypto and child_process load only when used.
// Run from dist/ (`node dist/cli/main.js`, as most tests do), none of this applies.
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

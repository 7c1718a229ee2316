// The single-file build's stand-in for full.ts: the full program travels at the end of the file in a comment and runs with a V8 code cache beside the file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MdctlError, quote } from '../core/errors.js';
import { runCachedScript } from '../system/code-cache.js';

/**
 * Set by tools/bundle.mjs (esbuild `define`): how the comment that carries the full program
 * starts, and the program's length and hash. A comment costs Node almost nothing to skip when it
 * loads the file (a string literal of the same size costs ~10 ms), so a `get` the cache answers
 * never pays for the rest. In the comment every `*` `/` pair has a \x01 between the two.
 */
declare const MDCTL_FULL_MARKER: string;
declare const MDCTL_FULL_LENGTH: number;
declare const MDCTL_FULL_KEY: string;

function fullSource(filename: string): string {
  // The build is ASCII only, so latin1 is exact, and faster than UTF-8.
  const text = readFileSync(filename, 'latin1');
  const start = text.lastIndexOf(MDCTL_FULL_MARKER);
  const end = text.lastIndexOf('*/');
  const source = start < 0 || end < start ? '' : text.slice(start + MDCTL_FULL_MARKER.length, end).replaceAll('*\x01/', '*/');
  if (source.length !== MDCTL_FULL_LENGTH) {
    throw new MdctlError('ERR_FAILED', `the single-file build ${quote(filename)} changed while mdctl ran`, { hint: 'run it again' });
  }
  return source;
}

export async function main(argv: string[]): Promise<number> {
  const filename = fileURLToPath(import.meta.url);
  const full = runCachedScript<typeof import('./full.js')>({
    source: fullSource(filename),
    filename,
    cachePath: `${filename}.v8cache`,
    key: MDCTL_FULL_KEY,
    // What the build puts for import.meta.url and for import-module.js in the full program.
    scope: { __scriptUrl: import.meta.url, __importModule: (specifier: string) => import(specifier) },
  });
  return full.exports.main(argv, (command) => full.uses(command));
}

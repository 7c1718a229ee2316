// Finds what `install` copies: the single-file build and the man page, from the bundle itself or from dist/.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MdctlError, quote } from '../core/errors.js';

/** Both are replaced by tools/bundle.mjs (esbuild `define`); in dist/ they are never defined. */
declare const MDCTL_SINGLE_FILE: boolean;
declare const MDCTL_MAN_PAGE: string;

export interface Artifacts {
  /** The single-file build (dist/mdctl.mjs). */
  bundle: Buffer;
  manPage: Buffer;
}

async function readArtifact(path: string, what: string, hint: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new MdctlError('ERR_FAILED', `cannot read the ${what} ${quote(path)}: ${code}`, { hint, cause: error });
  }
}

/**
 * Running as the bundle: the bundle is this very file and carries the man page.
 * Running from dist/ (npm install, a checkout): dist/mdctl.mjs and man/mdctl.1 of the package.
 * `moduleUrl` is this module's URL unless a test says otherwise.
 */
export async function locateArtifacts(moduleUrl: string = import.meta.url): Promise<Artifacts> {
  if (typeof MDCTL_SINGLE_FILE !== 'undefined' && MDCTL_SINGLE_FILE) {
    return {
      bundle: await readArtifact(fileURLToPath(moduleUrl), 'running single-file build', 'mdctl must run from a file'),
      manPage: Buffer.from(MDCTL_MAN_PAGE, 'utf8'),
    };
  }
  return {
    bundle: await readArtifact(fileURLToPath(new URL('../../mdctl.mjs', moduleUrl)), 'single-file build', 'run `npm run bundle` first'),
    manPage: await readArtifact(fileURLToPath(new URL('../../../man/mdctl.1', moduleUrl)), 'man page', 'the package is incomplete'),
  };
}

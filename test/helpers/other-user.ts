// What a test needs to run code as a user other than root: the clone may sit in a mode-0700 folder (mktemp -d) that such a user cannot enter, so the code goes to a folder anyone can read.
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Runs a command as nobody (uid and gid 65534, no supplementary groups). */
export const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

const SINGLE_FILE = fileURLToPath(new URL('../../../dist/mdctl.mjs', import.meta.url));

const made: string[] = [];

/** A fresh folder under the temp dir that every user may enter and read (mkdtemp makes 0700). */
export async function readableDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  made.push(dir);
  return dir;
}

/** The single-file build (dist/mdctl.mjs), copied where any user can run it: the `entry` for runCli. */
export async function singleFileForOthers(): Promise<string> {
  const copy = join(await readableDir('mdctl-others-'), 'mdctl.mjs');
  await copyFile(SINGLE_FILE, copy);
  await chmod(copy, 0o644);
  return copy;
}

/** A compiled module with what it imports, bundled into one ES module where any user can import it. */
export async function moduleForOthers(path: string): Promise<string> {
  const outfile = join(await readableDir('mdctl-others-'), basename(path).replace(/\.js$/, '.mjs'));
  await build({ entryPoints: [path], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
  await chmod(outfile, 0o644);
  return outfile;
}

/** Removes every folder made here. */
export async function removeForOthers(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

// Looking at files of an image root as the image would see them: symlinks resolved inside the root, never on the build host.
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';

/** Symlinks followed in one lookup before it counts as a loop (the kernel's limit). */
const MAX_LINKS = 40;

/** What is at an image path. */
export type Entry =
  | { kind: 'absent' }
  | { kind: 'file'; host: string; mode: number; uid: number; size: number }
  | { kind: 'dir'; host: string; mode: number }
  | { kind: 'other'; host: string };

function ioError(path: string, error: unknown): MdctlError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new MdctlError('ERR_IO', `validate: cannot read ${quote(path)}: ${code}`, { cause: error });
}

function missing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The host path of image path `path` with every symlink resolved as inside the image: an
 * absolute target starts again at `root`, ".." stops at `root`. Null when something on the way
 * does not exist. With `followLast` false the last component is not resolved (to see a link).
 */
export async function resolveInImage(root: string, path: string, followLast = true): Promise<string | null> {
  const pending = path.split('/');
  const current: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current.pop();
      continue;
    }
    const host = join(root, ...current, part);
    let isLink: boolean;
    try {
      isLink = (await lstat(host)).isSymbolicLink();
    } catch (error) {
      if (missing(error)) return null;
      throw ioError(host, error);
    }
    const last = pending.every((rest) => rest === '' || rest === '.');
    if (!isLink || (last && !followLast)) {
      current.push(part);
      continue;
    }
    links += 1;
    if (links > MAX_LINKS) throw new MdctlError('ERR_UNSAFE_PATH', `validate: ${quote(path)}: too many levels of symbolic links in the image`);
    const target = await readlink(host);
    if (target.startsWith('/')) current.length = 0;
    pending.unshift(...target.split('/'));
  }
  return join(root, ...current);
}

/** What is at `path` in the image, symlinks followed inside the image. */
export async function entryAt(root: string, path: string): Promise<Entry> {
  const host = await resolveInImage(root, path);
  if (host === null) return { kind: 'absent' };
  try {
    const stats = await lstat(host);
    if (stats.isFile()) return { kind: 'file', host, mode: stats.mode & 0o7777, uid: stats.uid, size: stats.size };
    if (stats.isDirectory()) return { kind: 'dir', host, mode: stats.mode & 0o7777 };
    return { kind: 'other', host };
  } catch (error) {
    if (missing(error)) return { kind: 'absent' };
    throw ioError(host, error);
  }
}

/** The content of an image file, or null when there is no regular file at `path`. */
export async function readImageFile(root: string, path: string): Promise<Buffer | null> {
  const entry = await entryAt(root, path);
  if (entry.kind !== 'file') return null;
  try {
    return await readFile(entry.host);
  } catch (error) {
    throw ioError(entry.host, error);
  }
}

/** The target of a symlink at `path` (its parents resolved inside the image), or null when it is not a link. */
export async function linkAt(root: string, path: string): Promise<string | null> {
  const host = await resolveInImage(root, path, false);
  if (host === null) return null;
  try {
    return (await lstat(host)).isSymbolicLink() ? await readlink(host) : null;
  } catch (error) {
    if (missing(error)) return null;
    throw ioError(host, error);
  }
}

/** Names under an image directory, depth first, as paths relative to it ("instances/abc.json"); [] when absent. */
export async function listTree(root: string, path: string, depth = 3): Promise<string[]> {
  const entry = await entryAt(root, path);
  if (entry.kind !== 'dir') return [];
  const found: string[] = [];
  const walk = async (dir: string, prefix: string, level: number): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (error) {
      throw ioError(dir, error);
    }
    for (const name of names) {
      const full = join(dir, name);
      const stats = await lstat(full);
      if (stats.isDirectory() && level < depth) await walk(full, `${prefix}${name}/`, level + 1);
      else found.push(`${prefix}${name}${stats.isDirectory() ? '/' : ''}`);
    }
  };
  await walk(entry.host, '', 1);
  return found;
}

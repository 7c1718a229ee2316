// Files under an image root for `install`: never through a symlink, written atomically, read for comparison.
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readFile, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { MdctlError, quote } from '../../core/errors.js';

/** What is at a path inside the root right now. */
export type Existing =
  | { type: 'absent' }
  | { type: 'file'; content: Buffer; mode: number }
  | { type: 'link'; target: string }
  | { type: 'other' };

function ioError(what: string, path: string, cause: unknown): MdctlError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new MdctlError(code === 'EACCES' || code === 'EPERM' ? 'ERR_PERMISSION' : 'ERR_IO', `${what} ${quote(path)}: ${code ?? String(cause)}`, {
    cause,
  });
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError('cannot inspect', path, error);
  }
}

/** `root` + an absolute image path ("/usr/bin/mdctl"), refusing ".." escapes. */
export function underRoot(root: string, imagePath: string): string {
  const full = join(root, imagePath);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..') {
    throw new MdctlError('ERR_UNSAFE_PATH', `refusing path ${quote(imagePath)}: outside the root ${quote(root)}`);
  }
  return full;
}

/**
 * Checks every directory between the root and `full`: each must be a real directory or absent.
 * Returns whether all of them exist.
 */
async function checkParents(root: string, full: string): Promise<boolean> {
  const parts = relative(root, dirname(full)).split(sep).filter((p) => p !== '');
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    const stats = await lstatOrNull(current);
    if (stats === null) return false;
    if (stats.isSymbolicLink()) {
      throw new MdctlError('ERR_UNSAFE_PATH', `refusing to write under ${quote(current)}: it is a symbolic link`);
    }
    if (!stats.isDirectory()) {
      throw new MdctlError('ERR_UNSAFE_PATH', `refusing to write under ${quote(current)}: not a directory`);
    }
  }
  return true;
}

/** Reads what is at `full` without following a symlink anywhere below the root. */
export async function inspect(root: string, full: string): Promise<Existing> {
  if (!(await checkParents(root, full))) return { type: 'absent' };
  const stats = await lstatOrNull(full);
  if (stats === null) return { type: 'absent' };
  if (stats.isSymbolicLink()) {
    try {
      return { type: 'link', target: await readlink(full) };
    } catch (error) {
      throw ioError('cannot read link', full, error);
    }
  }
  if (!stats.isFile()) return { type: 'other' };
  try {
    return { type: 'file', content: await readFile(full), mode: stats.mode & 0o7777 };
  } catch (error) {
    throw ioError('cannot read', full, error);
  }
}

/** Creates the missing directories between the root and `full` (0755), refusing symlinks. */
async function makeParents(root: string, full: string): Promise<void> {
  const parts = relative(root, dirname(full)).split(sep).filter((p) => p !== '');
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    const stats = await lstatOrNull(current);
    if (stats === null) {
      try {
        await mkdir(current, { mode: 0o755 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('cannot create directory', current, error);
      }
      continue;
    }
    if (stats.isSymbolicLink() || !stats.isDirectory()) {
      throw new MdctlError('ERR_UNSAFE_PATH', `refusing to write under ${quote(current)}: not a real directory`);
    }
  }
}

function tempName(full: string): string {
  return join(dirname(full), `.${full.slice(dirname(full).length + 1)}.mdctl-${process.pid}-${Date.now()}`);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `content` with `mode` to `full`: temp file in the same directory, fsync, rename, fsync the directory. */
export async function writeFileAtomic(root: string, full: string, content: Buffer | string, mode: number): Promise<void> {
  await makeParents(root, full);
  const temp = tempName(full);
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    try {
      await handle.writeFile(content);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, full);
    await syncDirectory(dirname(full));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw ioError('cannot write', full, error);
  }
}

/** Points the symlink `full` at `target`, replacing what is there by a rename (never writing through it). */
export async function symlinkAtomic(root: string, full: string, target: string): Promise<void> {
  await makeParents(root, full);
  const temp = tempName(full);
  try {
    await symlink(target, temp);
    await rename(temp, full);
    await syncDirectory(dirname(full));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw ioError('cannot link', full, error);
  }
}

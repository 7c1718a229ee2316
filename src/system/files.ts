// Files under a root directory: no symlink is ever followed below the root; writes are atomic.
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';

export interface Ownership {
  /** Permission bits, e.g. 0o600. */
  mode: number;
  uid?: number;
  gid?: number;
}

/** The components of a path inside the root: "/etc/hosts" -> ["etc", "hosts"]; ".." is refused. */
export function componentsOf(path: string): string[] {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new MdctlError('ERR_UNSAFE_PATH', `${quote(path)}: ".." is not allowed in a path under the root`);
  return parts;
}

function parentOf(path: string): string {
  return `/${componentsOf(path).slice(0, -1).join('/')}`;
}

/** The absolute host path of `path` inside `root` (no checks on the file system). */
export function resolveUnder(root: string, path: string): string {
  return join(root, ...componentsOf(path));
}

function ioError(action: string, where: string, error: unknown): MdctlError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
  return new MdctlError(code === 'EACCES' || code === 'EPERM' ? 'ERR_PERMISSION' : 'ERR_IO', `cannot ${action} ${quote(where)}: ${why}`, {
    cause: error,
  });
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError('inspect', path, error);
  }
}

/**
 * Walks from the root to `path`, lstat-ing every component. A symlink anywhere below the root,
 * or a non-directory where a directory belongs, is ERR_UNSAFE_PATH. Returns the final
 * component's stat, or null when it (or a parent) does not exist.
 */
export async function inspectUnder(root: string, path: string): Promise<Stats | null> {
  const base = await realpath(root).catch((error: unknown) => {
    throw ioError('open root', root, error);
  });
  const parts = componentsOf(path);
  let current = base;
  let stats: Stats | null = await lstatOrNull(base);
  for (const [index, part] of parts.entries()) {
    current = join(current, part);
    stats = await lstatOrNull(current);
    if (stats === null) return null;
    if (stats.isSymbolicLink()) {
      throw new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(resolveUnder(root, path))}: ${quote(current)} is a symbolic link`, {
        hint: 'mdctl never follows symlinks under the root',
      });
    }
    if (index < parts.length - 1 && !stats.isDirectory()) {
      throw new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(resolveUnder(root, path))}: ${quote(current)} is not a directory`);
    }
  }
  return stats;
}

const MAX_LINK_HOPS = 40;

/**
 * The path inside the root with symlinks owned by root resolved as if the root were "/" (an
 * image whose /home links to var/home). A link owned by anyone else is ERR_UNSAFE_PATH: only
 * root can have made a link root trusts. Links never lead out of the root.
 */
export async function resolveRootLinks(root: string, path: string): Promise<string> {
  const base = await realpath(root).catch((error: unknown) => {
    throw ioError('open root', root, error);
  });
  const pending = componentsOf(path);
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const current = join(base, ...resolved, part);
    const stats = await lstatOrNull(current);
    if (stats === null || !stats.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (stats.uid !== 0) {
      throw new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(resolveUnder(root, path))}: ${quote(current)} is a symbolic link not owned by root`);
    }
    hops += 1;
    if (hops > MAX_LINK_HOPS) throw new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(resolveUnder(root, path))}: too many symbolic links`);
    const target = await readlink(current).catch((error: unknown) => {
      throw ioError('read link', current, error);
    });
    if (target.startsWith('/')) resolved.length = 0;
    const segments = target.split('/').filter((segment) => segment !== '' && segment !== '.');
    pending.unshift(...segments);
  }
  return `/${resolved.join('/')}`;
}

/** Reads a regular file under the root, or null when it does not exist. */
export async function readFileUnder(root: string, path: string): Promise<Buffer | null> {
  const stats = await inspectUnder(root, path);
  if (stats === null) return null;
  const full = resolveUnder(root, path);
  if (!stats.isFile()) throw new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(full)}: not a regular file`);
  try {
    const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError('read', full, error);
  }
}

async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function requireDirectory(root: string, path: string): Promise<void> {
  const stats = await inspectUnder(root, path);
  if (stats === null || !stats.isDirectory()) {
    throw new MdctlError('ERR_IO', `cannot write under ${quote(resolveUnder(root, path))}: no such directory`);
  }
}

/**
 * Replaces (or creates) a file atomically: a temp file in the same directory, written, fsynced,
 * given its mode and owner, renamed over the target, then the directory fsynced.
 */
export async function writeFileAtomic(root: string, path: string, data: string | Buffer, owner: Ownership): Promise<void> {
  const parent = parentOf(path);
  await requireDirectory(root, parent);
  const existing = await inspectUnder(root, path);
  const full = resolveUnder(root, path);
  if (existing !== null && !existing.isFile()) throw new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(full)}: not a regular file`);
  const temp = join(dirname(full), `.${basename(full)}.mdctl-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(data);
      if (owner.uid !== undefined || owner.gid !== undefined) await handle.chown(owner.uid ?? -1, owner.gid ?? -1);
      await handle.chmod(owner.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, full);
    await fsyncDirectory(dirname(full));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error instanceof MdctlError ? error : ioError('write', full, error);
  }
}

/** Creates one directory under the root (its parent must exist) with a mode and owner. */
export async function makeDirectoryUnder(root: string, path: string, owner: Ownership): Promise<void> {
  const parent = parentOf(path);
  await requireDirectory(root, parent);
  const full = resolveUnder(root, path);
  try {
    await mkdir(full, { mode: 0o700 });
  } catch (error) {
    throw ioError('create directory', full, error);
  }
  await setOwnershipUnder(root, path, owner);
  await fsyncDirectory(dirname(full));
}

/** Creates every missing directory on the way to `path` (mode 0755, owned by the caller). */
export async function makeDirectoriesUnder(root: string, path: string): Promise<void> {
  let current = '';
  for (const part of componentsOf(path)) {
    current = `${current}/${part}`;
    const stats = await inspectUnder(root, current);
    if (stats === null) await makeDirectoryUnder(root, current, { mode: 0o755 });
    else if (!stats.isDirectory()) throw new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(resolveUnder(root, current))}: not a directory`);
  }
}

/** Sets mode and owner of an existing file or directory, through a descriptor opened without following links. */
export async function setOwnershipUnder(root: string, path: string, owner: Ownership): Promise<void> {
  const stats = await inspectUnder(root, path);
  const full = resolveUnder(root, path);
  if (stats === null) throw new MdctlError('ERR_IO', `cannot change ${quote(full)}: no such file`);
  try {
    const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      if (owner.uid !== undefined || owner.gid !== undefined) await handle.chown(owner.uid ?? -1, owner.gid ?? -1);
      await handle.chmod(owner.mode);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError('change', full, error);
  }
}

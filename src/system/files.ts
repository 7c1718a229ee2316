// Files under a root directory: no symlink is ever followed below the root; writes are atomic.
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import { processAlive } from './process.js';

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

/** What readFileUnder reads at most unless told otherwise: a hostile sparse file must not exhaust memory. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

function unsafe(root: string, path: string, why: string): MdctlError {
  return new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(resolveUnder(root, path))}: ${why}`, { hint: 'mdctl never follows symlinks under the root' });
}

/** The path of `name` inside an open directory: the kernel resolves it from the descriptor, never from a path that could be swapped. */
function inside(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/**
 * Opens the directory `path` under the root one component at a time, each relative to the
 * descriptor of the one before and without following a symlink, so a component swapped for a
 * link or a file while mdctl works is refused instead of followed. Null when a component is missing.
 */
async function openDirectoryUnder(root: string, path: string): Promise<FileHandle | null> {
  const base = await realpath(root).catch((error: unknown) => {
    throw ioError('open root', root, error);
  });
  let dir = await open(base, constants.O_RDONLY | constants.O_DIRECTORY).catch((error: unknown) => {
    throw ioError('open root', root, error);
  });
  const parts = componentsOf(path);
  try {
    for (const [index, part] of parts.entries()) {
      const where = `/${parts.slice(0, index + 1).join('/')}`;
      let next: FileHandle;
      try {
        next = await open(inside(dir, part), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          await dir.close();
          return null;
        }
        if (code !== 'ENOTDIR' && code !== 'ELOOP') throw ioError('open', resolveUnder(root, where), error);
        const stats = await lstat(inside(dir, part)).catch(() => null);
        throw unsafe(root, path, `${quote(resolveUnder(root, where))} is ${stats?.isSymbolicLink() === true ? 'a symbolic link' : 'not a directory'}`);
      }
      await dir.close();
      dir = next;
    }
    return dir;
  } catch (error) {
    await dir.close().catch(() => undefined);
    throw error;
  }
}

/** The parent directory of `path`, opened as openDirectoryUnder does; ERR_IO when it does not exist. */
async function openParentUnder(root: string, path: string): Promise<{ dir: FileHandle; name: string }> {
  const parts = componentsOf(path);
  const name = parts.at(-1);
  if (name === undefined) throw unsafe(root, path, 'the root itself is not a file');
  const dir = await openDirectoryUnder(root, parentOf(path));
  if (dir === null) throw new MdctlError('ERR_IO', `cannot write under ${quote(resolveUnder(root, parentOf(path)))}: no such directory`);
  return { dir, name };
}

/** Opens an existing entry of an open directory without following a symlink at it. */
async function openEntry(root: string, path: string, dir: FileHandle, name: string, flags: number): Promise<FileHandle | null> {
  try {
    return await open(inside(dir, name), flags | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      const stats = await lstat(inside(dir, name)).catch(() => null);
      throw unsafe(root, path, stats?.isSymbolicLink() === true ? 'it is a symbolic link' : 'not a directory');
    }
    if (code === 'ENXIO') throw unsafe(root, path, 'not a regular file');
    throw ioError('open', resolveUnder(root, path), error);
  }
}

interface ReadLimits {
  /** Refuse a larger file (default MAX_READ_BYTES). */
  maxBytes?: number;
  /** Refuse a file with more than one hard link: it may be a second name of someone else's file. */
  singleLink?: boolean;
}

/**
 * Reads a regular file under the root, or null when it (or a parent) does not exist. A symlink
 * on the way, a FIFO, a device, or a file over the size limit (a number: maxBytes) is refused; a FIFO never blocks.
 */
export async function readFileUnder(root: string, path: string, limitsOrMaxBytes: ReadLimits | number = {}): Promise<Buffer | null> {
  const limits = typeof limitsOrMaxBytes === 'number' ? { maxBytes: limitsOrMaxBytes } : limitsOrMaxBytes;
  const maxBytes = limits.maxBytes ?? MAX_READ_BYTES;
  const parts = componentsOf(path);
  const name = parts.at(-1);
  if (name === undefined) throw unsafe(root, path, 'not a regular file');
  const dir = await openDirectoryUnder(root, parentOf(path));
  if (dir === null) return null;
  try {
    const handle = await openEntry(root, path, dir, name, constants.O_RDONLY);
    if (handle === null) return null;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw unsafe(root, path, 'not a regular file');
      if (limits.singleLink === true && stats.nlink > 1) throw unsafe(root, path, `it has ${stats.nlink} hard links`);
      if (stats.size > maxBytes) {
        throw new MdctlError('ERR_IO', `cannot read ${quote(resolveUnder(root, path))}: ${stats.size} bytes, over ${maxBytes / 1024 / 1024} MiB`);
      }
      const data = Buffer.alloc(stats.size);
      const { bytesRead } = await handle.read(data, 0, stats.size, 0);
      return data.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw error instanceof MdctlError ? error : ioError('read', resolveUnder(root, path), error);
  } finally {
    await dir.close();
  }
}

/** The pid in a temp file's name ".<name>.mdctl-<pid>-<12 hex>", or null when it is not one of ours. */
function tempOwner(entry: string, name: string): number | null {
  const prefix = `.${name}.mdctl-`;
  if (!entry.startsWith(prefix)) return null;
  const match = /^([1-9][0-9]{0,9})-[0-9a-f]{12}$/.exec(entry.slice(prefix.length));
  return match === null ? null : Number(match[1]);
}

/**
 * Removes regular files left as temps of `name` by a run that died before renaming them. A temp
 * whose process still runs is another mdctl writing the same file at this moment: left alone.
 */
async function removeLeftoverTemps(dir: FileHandle, name: string): Promise<void> {
  const entries = await readdir(inside(dir, '.')).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = tempOwner(entry, name);
    if (pid === null || processAlive(pid)) continue;
    const stats = await lstat(inside(dir, entry)).catch(() => null);
    if (stats?.isFile() === true) await unlink(inside(dir, entry)).catch(() => undefined);
  }
}

/**
 * Replaces (or creates) a file atomically: a temp file created exclusively in the same directory
 * (opened through the directory's descriptor), written, given its owner and mode on the
 * descriptor, fsynced, renamed over the target, then the directory fsynced. Leftover temps of
 * this file from a killed run are removed first.
 */
export async function writeFileAtomic(root: string, path: string, data: string | Buffer, owner: Ownership): Promise<void> {
  const { dir, name } = await openParentUnder(root, path);
  const full = resolveUnder(root, path);
  // The temp is created exclusively through the directory's descriptor and never through a link,
  // so its name only has to be unlikely to meet another's: no need to load node:crypto (~5 ms).
  const temp = `.${name}.mdctl-${process.pid}-${Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0')}`;
  let created = false;
  try {
    const existing = await lstat(inside(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw ioError('inspect', full, error);
    });
    if (existing !== null && existing.isSymbolicLink()) throw unsafe(root, path, 'it is a symbolic link');
    if (existing !== null && !existing.isFile()) throw unsafe(root, path, 'not a regular file');
    await removeLeftoverTemps(dir, name);
    const handle = await open(inside(dir, temp), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    created = true;
    try {
      await handle.writeFile(data);
      if (owner.uid !== undefined || owner.gid !== undefined) await handle.chown(owner.uid ?? -1, owner.gid ?? -1);
      await handle.chmod(owner.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(inside(dir, temp), inside(dir, name));
    created = false;
    await dir.sync();
  } catch (error) {
    if (created) await unlink(inside(dir, temp)).catch(() => undefined);
    throw error instanceof MdctlError ? error : ioError('write', full, error);
  } finally {
    await dir.close();
  }
}

/** Sets mode and owner through an open descriptor, after checking it is the kind expected (never a hard-linked file). */
async function own(root: string, path: string, handle: FileHandle, owner: Ownership, kind: 'file' | 'directory'): Promise<void> {
  const stats = await handle.stat();
  if (kind === 'directory' ? !stats.isDirectory() : !stats.isFile()) throw unsafe(root, path, `not a ${kind === 'file' ? 'regular file' : 'directory'}`);
  if (kind === 'file' && stats.nlink > 1) throw unsafe(root, path, `it has ${stats.nlink} hard links`);
  if (owner.uid !== undefined || owner.gid !== undefined) await handle.chown(owner.uid ?? -1, owner.gid ?? -1);
  await handle.chmod(owner.mode);
}

/** Creates one directory under the root (its parent must exist) with a mode and owner, set on the new directory's descriptor. */
export async function makeDirectoryUnder(root: string, path: string, owner: Ownership): Promise<void> {
  const { dir, name } = await openParentUnder(root, path);
  const full = resolveUnder(root, path);
  try {
    await mkdir(inside(dir, name), { mode: 0o700 }).catch((error: unknown) => {
      throw ioError('create directory', full, error);
    });
    const handle = await openEntry(root, path, dir, name, constants.O_RDONLY | constants.O_DIRECTORY);
    if (handle === null) throw new MdctlError('ERR_IO', `cannot create directory ${quote(full)}: it vanished`);
    try {
      await own(root, path, handle, owner, 'directory');
    } finally {
      await handle.close();
    }
    await dir.sync();
  } catch (error) {
    throw error instanceof MdctlError ? error : ioError('change', full, error);
  } finally {
    await dir.close();
  }
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

/**
 * Sets mode and owner of an existing file or directory through a descriptor opened without
 * following links. `kind` says which it must be; a file with more than one hard link is refused
 * (it could be a link to a file of someone else).
 */
export async function setOwnershipUnder(root: string, path: string, owner: Ownership, kind: 'file' | 'directory' = 'file'): Promise<void> {
  const { dir, name } = await openParentUnder(root, path);
  const full = resolveUnder(root, path);
  try {
    const handle = await openEntry(root, path, dir, name, constants.O_RDONLY | (kind === 'directory' ? constants.O_DIRECTORY : 0));
    if (handle === null) throw new MdctlError('ERR_IO', `cannot change ${quote(full)}: no such file`);
    try {
      await own(root, path, handle, owner, kind);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw error instanceof MdctlError ? error : ioError('change', full, error);
  } finally {
    await dir.close();
  }
}

/** Removes a file under the root, never through a symlink on the way (one a program put there meanwhile is refused); a missing file is fine. */
export async function removeFileUnder(root: string, path: string): Promise<void> {
  const { dir, name } = await openParentUnder(root, path);
  try {
    await unlink(inside(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw ioError('remove', resolveUnder(root, path), error);
    });
  } finally {
    await dir.close();
  }
}

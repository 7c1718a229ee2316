// What `install` needs beyond src/system/files.ts: a look at an image path that may be a symlink, and an atomic symlink.
import { constants } from 'node:fs';
import { lstat, open, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, posix } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import { inspectUnder, makeDirectoriesUnder, readFileUnder, resolveUnder } from '../system/files.js';

/** What is at an image path right now. */
type Existing =
  | { type: 'absent' }
  | { type: 'file'; content: Buffer; mode: number }
  | { type: 'link'; target: string }
  | { type: 'other' };

function ioError(action: string, where: string, error: unknown): MdctlError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new MdctlError(code === 'EACCES' || code === 'EPERM' ? 'ERR_PERMISSION' : 'ERR_IO', `cannot ${action} ${quote(where)}: ${code}`, {
    cause: error,
  });
}

/** Looks at `path` under the root; its parents must be real directories, the path itself may be a link. */
export async function inspectImagePath(root: string, path: string): Promise<Existing> {
  const parent = await inspectUnder(root, posix.dirname(path));
  if (parent === null) return { type: 'absent' };
  const full = resolveUnder(root, path);
  try {
    const stats = await lstat(full);
    if (stats.isSymbolicLink()) return { type: 'link', target: await readlink(full) };
    if (!stats.isFile()) return { type: 'other' };
    const content = await readFileUnder(root, path);
    return content === null ? { type: 'absent' } : { type: 'file', content, mode: stats.mode & 0o7777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { type: 'absent' };
    throw error instanceof MdctlError ? error : ioError('inspect', full, error);
  }
}

/** Makes `path` a symlink to `target`: a temp link renamed over whatever is there (never written through). */
export async function symlinkUnder(root: string, path: string, target: string): Promise<void> {
  await makeDirectoriesUnder(root, posix.dirname(path));
  const full = resolveUnder(root, path);
  const temp = join(dirname(full), `.${basename(full)}.mdctl-${randomBytes(6).toString('hex')}`);
  try {
    await symlink(target, temp);
    await rename(temp, full);
    const dir = await open(dirname(full), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw ioError('link', full, error);
  }
}

// Listing a directory and removing a file under a root, never through a symlink below the root.
import { readdir, unlink } from 'node:fs/promises';
import { MdctlError, quote } from '../core/errors.js';
import { inspectUnder, resolveUnder } from './files.js';

interface DirEntry {
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'other';
}

/** The entries of a directory under the root; an absent directory is empty. */
export async function listUnder(root: string, path: string): Promise<DirEntry[]> {
  const stats = await inspectUnder(root, path);
  if (stats === null) return [];
  if (!stats.isDirectory()) throw new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(resolveUnder(root, path))}: not a directory`);
  const entries = await readdir(resolveUnder(root, path), { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new MdctlError('ERR_IO', `cannot list ${quote(resolveUnder(root, path))}: ${error.code ?? 'error'}`, { cause: error });
  });
  return entries
    .map((entry) => ({
      name: entry.name,
      kind: entry.isFile() ? ('file' as const) : entry.isDirectory() ? ('directory' as const) : entry.isSymbolicLink() ? ('symlink' as const) : ('other' as const),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Removes a regular file under the root (no symlink on the way, not a symlink itself); an absent file is fine. */
export async function removeUnder(root: string, path: string): Promise<void> {
  const stats = await inspectUnder(root, path);
  if (stats === null) return;
  if (!stats.isFile()) throw new MdctlError('ERR_UNSAFE_PATH', `refusing to remove ${quote(resolveUnder(root, path))}: not a regular file`);
  await unlink(resolveUnder(root, path)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw new MdctlError('ERR_IO', `cannot remove ${quote(resolveUnder(root, path))}: ${error.code ?? 'error'}`, { cause: error });
  });
}

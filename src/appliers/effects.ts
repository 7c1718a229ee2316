// File effects shared by the built-in appliers: what plan() stores in Change.data and apply() carries out.
import { MdctlError, quote } from '../core/errors.js';
import type { Ownership } from '../system/files.js';
import { makeDirectoriesUnder, makeDirectoryUnder, setOwnershipUnder, writeFileAtomic } from '../system/files.js';

export type FileEffect =
  | { kind: 'write'; path: string; content: Buffer; owner: Ownership; makeParents?: boolean }
  | { kind: 'mkdir'; path: string; owner: Ownership }
  | { kind: 'own'; path: string; owner: Ownership; directory: boolean };

export function isFileEffect(value: unknown): value is FileEffect {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'write' || kind === 'mkdir' || kind === 'own';
}

/** Carries out one file effect under the root. */
export async function applyFileEffect(root: string, effect: FileEffect): Promise<void> {
  switch (effect.kind) {
    case 'write': {
      if (effect.makeParents === true) await makeDirectoriesUnder(root, effect.path.replace(/\/[^/]*$/, '') || '/');
      await writeFileAtomic(root, effect.path, effect.content, effect.owner);
      return;
    }
    case 'mkdir':
      await makeDirectoryUnder(root, effect.path, effect.owner);
      return;
    case 'own':
      await setOwnershipUnder(root, effect.path, effect.owner, effect.directory ? 'directory' : 'file');
      return;
  }
}

/** apply() for a change whose data must be a file effect. */
export async function applyFileChange(root: string, data: unknown, target: string): Promise<void> {
  if (!isFileEffect(data)) throw new MdctlError('ERR_FAILED', `cannot apply ${quote(target)}: the change was not planned by this applier`);
  await applyFileEffect(root, data);
}

/** Permission bits of a stat mode. */
export function permissions(mode: number): number {
  return mode & 0o7777;
}

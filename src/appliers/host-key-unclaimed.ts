// Host keys made at a boot that read no metadata: recorded in the state dir until the first instance that boots adopts them.
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import { writeFileAtomic } from '../system/files.js';

const FILE = 'host-keys-unclaimed.json';

export function unclaimedPath(stateDir: string): string {
  return join(stateDir, FILE);
}

/** The fingerprints of the unclaimed keys, or null when there is no (usable) record. */
export async function readUnclaimed(stateDir: string): Promise<string[] | null> {
  try {
    const value = JSON.parse(await readFile(unclaimedPath(stateDir), 'utf8')) as { fingerprints?: unknown };
    const list = value.fingerprints;
    return Array.isArray(list) && list.every((item) => typeof item === 'string') ? (list as string[]) : null;
  } catch {
    return null;
  }
}

export async function writeUnclaimed(stateDir: string, fingerprints: readonly string[], now = new Date()): Promise<void> {
  const record = { generated_at: now.toISOString(), fingerprints };
  await writeFileAtomic(stateDir, FILE, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
}

export async function removeUnclaimed(stateDir: string): Promise<void> {
  await unlink(unclaimedPath(stateDir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw new MdctlError('ERR_IO', `cannot remove ${quote(unclaimedPath(stateDir))}: ${error.code ?? 'error'}`, { cause: error });
  });
}

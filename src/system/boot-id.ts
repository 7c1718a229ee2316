// The kernel's id of this boot (/proc/sys/kernel/random/boot_id): it changes at every boot.
import { readFile } from 'node:fs/promises';
import { BOOT_ID_FILE } from '../core/defaults.js';

/** This boot's id, or null when the kernel does not tell. */
export async function readBootId(path: string = BOOT_ID_FILE): Promise<string | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  const id = text?.trim() ?? '';
  return id === '' ? null : id;
}

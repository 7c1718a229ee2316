// Mounts and unmounts a block device through execFile of mount(8) and umount(8), never through a shell.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exec as defaultExec, type Exec } from './exec.js';

export interface Mounter {
  /** `mount -t TYPE -o OPTIONS DEVICE DIR`: only the named file system type is tried. */
  mount(device: string, dir: string, type: string, options: readonly string[]): Promise<void>;
  /** `umount DIR`; when that fails (busy), a lazy `umount -l DIR` detaches it all the same. */
  unmount(dir: string): Promise<void>;
  /** Whether something is mounted on `dir`. */
  isMountPoint(dir: string): Promise<boolean>;
}

const MOUNT_TIMEOUT_MS = 30_000;

export function mounter(run: Exec = defaultExec): Mounter {
  return {
    async mount(device, dir, type, options) {
      await run(['mount', '-t', type, '-o', options.join(','), device, dir], { timeoutMs: MOUNT_TIMEOUT_MS });
    },
    async unmount(dir) {
      try {
        await run(['umount', dir], { timeoutMs: MOUNT_TIMEOUT_MS });
      } catch {
        await run(['umount', '-l', dir], { timeoutMs: MOUNT_TIMEOUT_MS });
      }
    },
    // A mount point lies on another device than its parent directory.
    async isMountPoint(dir) {
      try {
        return (await stat(dir)).dev !== (await stat(dirname(dir))).dev;
      } catch {
        return false;
      }
    },
  };
}

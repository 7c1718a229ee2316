// Mounts a config drive read-only in a private temporary directory for one read, and unmounts it on every path (error, timeout, signal).
import { mkdtemp, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deadline } from '../core/deadline.js';
import { MdctlError, quote } from '../core/errors.js';
import type { Exec } from '../system/exec.js';
import type { Mounter } from '../system/mount.js';

/** The options every mount of a drive gets: nothing on it runs, no device node or set-uid bit counts. */
export const MOUNT_OPTIONS = ['ro', 'nosuid', 'nodev', 'noexec'] as const;
/** The file systems Nova writes, as cloud-init allows them; others only when the config file names them. */
export const DEFAULT_DRIVE_FILESYSTEMS = ['iso9660', 'vfat'] as const;

interface MountHost {
  /** Runs blkid (injected by tests). */
  exec: Exec;
  mounter: Mounter;
  /** Where the private mount directory is made (mode 0700). */
  parent: string;
  log: (message: string) => void;
}

/** The file system type blkid probes on the device itself (`-p`: never a cached answer), or null when it finds none. */
export async function driveType(exec: Exec, device: string): Promise<string | null> {
  try {
    const { stdout } = await exec(['blkid', '-p', '-o', 'value', '-s', 'TYPE', device]);
    const type = stdout.trim();
    return type === '' ? null : type;
  } catch (error) {
    if ((error as { cause?: { code?: unknown } }).cause?.code === 2) return null;
    throw new MdctlError('ERR_IO', `config drive ${device}: cannot read its file system type: ${(error as Error).message}`, { cause: error });
  }
}

/** Why a drive with this file system type is not mounted, or null when it may be. */
export function typeProblem(type: string | null, allowed: readonly string[]): string | null {
  if (type === null) return 'no file system found on it';
  if (!/^[a-z0-9_.]+$/.test(type)) return `file system type ${quote(type)} is not a type name`;
  if (!allowed.includes(type)) return `file system ${type} is not allowed (allowed: ${allowed.join(', ')})`;
  return null;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Rejects when the deadline passes; stopped as soon as the read is over. */
function expiry(deadline: Deadline, device: string): { promise: Promise<never>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MdctlError('ERR_TIMEOUT', `config drive ${device}: not read within the deadline`)), deadline.remaining());
  });
  return { promise, stop: () => clearTimeout(timer) };
}

/**
 * Mounts `device` (of the given, already allowed type) with MOUNT_OPTIONS in a fresh 0700
 * directory, runs `use` on it within the deadline, then unmounts and removes the directory —
 * also when `use` fails or times out. A SIGINT or SIGTERM meanwhile waits for the mount to
 * settle, cleans up, and is then raised again so the process ends as the signal says.
 */
export async function withMountedDrive<T>(device: string, type: string, host: MountHost, deadline: Deadline, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(host.parent, 'mdctl-drive-'));
  /** Set once mount(8) is started: it may have mounted even when it fails or is killed afterwards. */
  let attempted = false;
  const work = (async () => {
    attempted = true;
    await host.mounter.mount(device, dir, type, MOUNT_OPTIONS);
    host.log(`config drive ${device} (${type}) mounted at ${dir} with ${MOUNT_OPTIONS.join(',')}`);
  })();
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      await work.catch(() => undefined);
      if (attempted && (await host.mounter.isMountPoint(dir))) await host.mounter.unmount(dir).catch((error: unknown) => host.log(`umount ${dir}: ${(error as Error).message}`));
      await rmdir(dir).catch((error: unknown) => host.log(`rmdir ${dir}: ${(error as Error).message}`));
    })());
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    void cleanUp().finally(() => {
      for (const name of SIGNALS) process.removeListener(name, onSignal);
      process.kill(process.pid, signal);
    });
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  const timeout = expiry(deadline, device);
  let result: T;
  try {
    await Promise.race([work, timeout.promise]).catch((error: unknown) => {
      if (error instanceof MdctlError && error.code === 'ERR_TIMEOUT') throw error;
      throw new MdctlError('ERR_IO', `config drive ${device}: cannot mount it: ${(error as Error).message}`, { cause: error });
    });
    if (signalled) throw new MdctlError('ERR_FAILED', `config drive ${device}: interrupted`);
    result = await Promise.race([use(dir), timeout.promise]);
  } finally {
    timeout.stop();
    await cleanUp();
    if (!signalled) for (const name of SIGNALS) process.removeListener(name, onSignal);
  }
  // After a signal nothing more runs on what was read: the signal ends the process once cleaned up.
  if (signalled) throw new MdctlError('ERR_FAILED', `config drive ${device}: interrupted`);
  return result;
}

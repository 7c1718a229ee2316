// The config drive as a source: found on the running system, read where it is mounted, else mounted read-only for the read.
import type { Deadline } from '../core/deadline.js';
import { DRIVE_MOUNT_PARENT } from '../core/defaults.js';
import { MdctlError, isMdctlError, type ErrorCode } from '../core/errors.js';
import type { RawMetadata } from '../core/raw.js';
import { exec as defaultExec, type Exec } from '../system/exec.js';
import { mounter as defaultMounter, type Mounter } from '../system/mount.js';
import { readConfigDrive } from './configdrive.js';
import { findDrive } from './drive-find.js';
import { driveType, typeProblem, withMountedDrive } from './drive-mount.js';

export interface DriveOptions {
  /** Root of /dev and /proc: the running system's `/` whatever `--root` says (tests pass a fake one). */
  root: string;
  /** The file systems that may be mounted (the config file's config_drive.filesystems, or the default). */
  filesystems: () => Promise<readonly string[]>;
  deadline: Deadline;
  log: (message: string) => void;
  /** Warnings: other drives with the label, a drive skipped. */
  warn: (message: string) => void;
  /** Seams for tests; the defaults act on the running system. */
  exec?: Exec;
  mounter?: Mounter;
  mountParent?: string;
  /** Whether this process may mount (default: running as root). */
  privileged?: boolean;
}

/** A drive read; none found; or one found that is not used (why, and the error `--source configdrive` makes of it). */
export type DriveRead =
  | { kind: 'read'; raw: RawMetadata }
  | { kind: 'none' }
  | { kind: 'skipped'; code: ErrorCode; reason: string; hint?: string | undefined };

/** A reader's error, naming the device instead of the temporary directory that is gone. */
function namingDevice(error: unknown, device: string, dir: string): unknown {
  if (!isMdctlError(error) || error.code === 'ERR_TIMEOUT' || error.message.startsWith(`config drive ${device}`)) return error;
  const message = error.message.split(`${dir}/`).join('').split(dir).join('.');
  return new MdctlError(error.code, `config drive ${device}: ${message}`, { hint: error.hint, cause: error });
}

/** Finds the drive and reads it; mounting it, when it is not mounted, only as root and only with an allowed file system. */
export async function readDrive(options: DriveOptions): Promise<DriveRead> {
  const exec = options.exec ?? defaultExec;
  const found = await findDrive({ root: options.root, exec });
  if (found === null) {
    options.log('no drive labelled config-2 or CONFIG-2');
    return { kind: 'none' };
  }
  const { device } = found;
  // Said only when the first drive is used: a skipped one leaves nothing to choose between.
  const chosen = (): void => {
    if (found.others.length > 0) options.warn(`several drives are labelled config-2: using ${device}, ignoring ${found.others.join(', ')}`);
  };
  if (found.mountPoint !== null) {
    chosen();
    options.log(`config drive ${device} is mounted at ${found.mountPoint}`);
    return { kind: 'read', raw: await readConfigDrive(found.mountPoint, options.log) };
  }
  if (!(options.privileged ?? process.geteuid?.() === 0)) {
    return { kind: 'skipped', code: 'ERR_PERMISSION', reason: `config drive ${device} is not mounted, and mounting it needs root: skipped` };
  }
  const type = await driveType(exec, device);
  const problem = typeProblem(type, await options.filesystems());
  if (type === null) throw new MdctlError('ERR_IO', `config drive ${device}: cannot mount it: ${problem ?? ''}`);
  if (problem !== null) {
    const hint = 'a drive Nova made is iso9660 or vfat; name other types in config_drive.filesystems of the config file';
    return { kind: 'skipped', code: 'ERR_REJECTED', reason: `config drive ${device}: ${problem}`, hint };
  }
  chosen();
  const host = { exec, mounter: options.mounter ?? defaultMounter(), parent: options.mountParent ?? DRIVE_MOUNT_PARENT, log: options.log };
  const raw = await withMountedDrive(device, type, host, options.deadline, async (dir) => {
    try {
      return await readConfigDrive(dir, options.log);
    } catch (error) {
      throw namingDevice(error, device, dir);
    }
  });
  return { kind: 'read', raw: { ...raw, endpoint: device } };
}

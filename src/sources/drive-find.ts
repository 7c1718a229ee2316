// Finds the config drive on the running system: devices labelled config-2 (by-label links, else blkid) and where one is mounted.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import type { Exec } from '../system/exec.js';

/** Nova labels the drive config-2; vfat drives carry the label upper-cased. */
const DRIVE_LABELS = ['config-2', 'CONFIG-2'] as const;

interface DriveHost {
  /** Root of /dev and /proc: the running system's `/` (tests pass a fake one). Never `--root`. */
  root: string;
  /** Runs blkid (injected by tests). */
  exec: Exec;
}

interface FoundDrive {
  /** The device chosen: the first by name. */
  device: string;
  /** Other devices with the label, ignored. */
  others: string[];
  /** Where the chosen device is already mounted, or null. */
  mountPoint: string | null;
}

/** Device names in natural order: /dev/loop2 before /dev/loop10, /dev/sr0 before /dev/sr1. */
export function byDeviceName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The devices the udev links in dev/disk/by-label name, or null when there is no such directory (no udev). */
async function byLabel(host: DriveHost): Promise<string[] | null> {
  const dir = join(host.root, 'dev', 'disk', 'by-label');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const devices: string[] = [];
  for (const label of DRIVE_LABELS) {
    if (!names.includes(label)) continue;
    const target = await readlink(join(dir, label)).catch(() => null);
    if (target === null) continue;
    const device = target.startsWith('/') ? target : resolve(dirname(join('/dev/disk/by-label', label)), target);
    devices.push(device);
  }
  return devices;
}

/** `blkid -c /dev/null -t LABEL=<label> -o device` for each label (a fresh scan, no cache); blkid exits 2 when nothing matches. */
async function byBlkid(host: DriveHost): Promise<string[]> {
  const devices: string[] = [];
  for (const label of DRIVE_LABELS) {
    try {
      const { stdout } = await host.exec(['blkid', '-c', '/dev/null', '-t', `LABEL=${label}`, '-o', 'device']);
      devices.push(...stdout.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('/')));
    } catch (error) {
      if ((error as { cause?: { code?: unknown } }).cause?.code === 2) continue;
      throw new MdctlError('ERR_IO', `config drive: cannot list devices labelled ${label}: ${(error as Error).message}`, { cause: error });
    }
  }
  return devices;
}

/** Undo the octal escapes of /proc/self/mounts (`\040` for a space). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Where `device` is mounted according to proc/self/mounts under the host root, or null. */
async function mountPointOf(host: DriveHost, device: string): Promise<string | null> {
  const path = join(host.root, 'proc', 'self', 'mounts');
  let mounts: string;
  try {
    mounts = await readFile(path, 'utf8');
  } catch (error) {
    throw new MdctlError('ERR_IO', `config drive: cannot read ${quote(path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  for (const line of mounts.split('\n')) {
    const [source, target] = line.split(' ');
    if (source === undefined || target === undefined) continue;
    if (unescapeMountField(source) === device) return join(host.root, unescapeMountField(target));
  }
  return null;
}

/** The labelled drive to use, or null when there is none. */
export async function findDrive(host: DriveHost): Promise<FoundDrive | null> {
  // udev may not have made its links yet this early in the boot: no link found, blkid scans.
  const linked = await byLabel(host);
  const listed = linked !== null && linked.length > 0 ? linked : await byBlkid(host);
  const devices = [...new Set(listed)].sort(byDeviceName);
  const [device, ...others] = devices;
  if (device === undefined) return null;
  return { device, others, mountPoint: await mountPointOf(host, device) };
}

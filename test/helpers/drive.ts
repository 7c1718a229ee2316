// Config drives for tests: an ext4/ext2 image labelled config-2 made with mkfs -d, attached with losetup, detached in cleanup; one test file at a time.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock, type Release } from '../../src/system/lock.js';
import { NOVA_FIXTURES } from './emulator.js';
import { run } from './netns.js';

/** Devices labelled config-2 are seen by every process: test files that attach them take this lock, so none sees another's. */
const LOCK = join(tmpdir(), 'mdctl-test-config-drives.lock');
const attached = new Set<string>();

export async function lockDrives(): Promise<Release> {
  return acquireLock(LOCK, { waitMs: 600_000 });
}

/** Copies the seed-static instance (a Nova DHCP-less instance) into dir/openstack/2020-10-14; returns dir. */
export function seedStaticTree(dir: string): string {
  cpSync(join(NOVA_FIXTURES, 'seed-static', 'openstack', '2020-10-14'), join(dir, 'openstack', '2020-10-14'), { recursive: true });
  rmSync(join(dir, 'openstack', '2020-10-14', 'index.txt'));
  rmSync(join(dir, 'openstack', '2020-10-14', 'password'));
  return dir;
}

export interface DriveImage {
  /** `mkfs.<type>` (default ext4); `none` writes zeros: no file system at all. */
  type?: 'ext4' | 'ext2' | 'none';
  label?: string;
  sizeMiB?: number;
}

/** An image file holding `tree` (mkfs -d, no mount needed), attached to a free loop device; returns the device. */
export async function attachDrive(image: string, tree: string | null, options: DriveImage = {}): Promise<string> {
  const size = `${options.sizeMiB ?? 4}M`;
  writeFileSync(image, '');
  if (options.type === 'none') await run(['truncate', '-s', size, image]);
  else {
    const argv = [`mkfs.${options.type ?? 'ext4'}`, '-F', '-q', '-L', options.label ?? 'config-2'];
    if (tree !== null) argv.push('-d', tree);
    await run([...argv, image, size]);
  }
  const device = (await run(['losetup', '--find', '--show', image])).stdout.trim();
  attached.add(device);
  return device;
}

export async function detachDrive(device: string): Promise<void> {
  attached.delete(device);
  await run(['losetup', '-d', device]).catch(() => undefined);
}

/** Detach every loop device this process attached. Call from after(). */
export async function detachAll(): Promise<void> {
  for (const device of [...attached]) await detachDrive(device);
}

export interface MountSpy {
  /** Put first on PATH: its `mount` records the directory's mode, runs the real mount and records the new mount's line. */
  bin: string;
  /** Lines "pid <mdctl's pid>", "mode <octal> <dir>" and the mountinfo line of each mount, in the namespace mount(8) ran in. */
  record: string;
  /** When present, `mount` waits after mounting until something is written to this FIFO. */
  hold: string | null;
}

/** A `mount` wrapper (mdctl runs `mount` from PATH) that spies on the mount mdctl makes, and can hold it open. */
export function mountSpy(dir: string, hold: boolean): MountSpy {
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const record = join(dir, 'record');
  writeFileSync(record, '');
  const fifo = hold ? join(dir, 'hold') : null;
  if (fifo !== null) execFileSync('mkfifo', [fifo]);
  const real = existsSync('/usr/bin/mount') ? '/usr/bin/mount' : '/bin/mount';
  const script = [
    '#!/bin/sh',
    'for last in "$@"; do :; done',
    `echo "pid $PPID" >> ${record}`,
    `echo "mode $(stat -c %a "$last") $last" >> ${record}`,
    `${real} "$@" || exit $?`,
    `grep " $last " /proc/self/mountinfo >> ${record}`,
    ...(fifo === null ? [] : [`echo mounted >> ${record}`, `read line < ${fifo}`]),
    '',
  ].join('\n');
  writeFileSync(join(bin, 'mount'), script);
  chmodSync(join(bin, 'mount'), 0o755);
  return { bin, record, hold: fifo };
}

/** Waits until the spy's record holds `text` (a mount made, a hold reached). */
export async function waitForRecord(spy: MountSpy, text: string, timeoutMs = 20_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const record = readFileSync(spy.record, 'utf8');
    if (record.includes(text)) return record;
    if (Date.now() > until) throw new Error(`drive: ${text} never recorded; record: ${record}`);
    await sleep(20);
  }
}

export interface MountinfoRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** /proc/self/mountinfo of the mount namespace the command ran in, read there after it ended. */
  mountinfo: string;
}

/**
 * Runs `prefix... sh -c` with the command `argv` and then, in the same mount namespace, copies
 * /proc/self/mountinfo to `out`; killed after `timeoutMs`. Resolves when the shell has ended.
 */
export function runThenMountinfo(prefix: readonly string[], argv: readonly string[], options: { env: NodeJS.ProcessEnv; out: string; timeoutMs: number }): Promise<MountinfoRun> {
  const script = `"$@"; rc=$?; cat /proc/self/mountinfo > ${options.out}; exit $rc`;
  const all = [...prefix, 'sh', '-c', script, 'sh', ...argv];
  const child = spawn(all[0] ?? 'sh', all.slice(1), { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, mountinfo: existsSync(options.out) ? readFileSync(options.out, 'utf8') : '' });
    });
  });
}

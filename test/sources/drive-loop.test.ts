// Real config drives on loop devices: mounted ro,nosuid,nodev,noexec in a private directory, read, unmounted on every path; hostile drives.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Deadline } from '../../src/core/deadline.js';
import { MdctlError } from '../../src/core/errors.js';
import { exec as realExec, type Exec } from '../../src/system/exec.js';
import type { Release } from '../../src/system/lock.js';
import { readDrive } from '../../src/sources/drive.js';
import { DEFAULT_DRIVE_FILESYSTEMS } from '../../src/sources/drive-mount.js';
import { BIN } from '../helpers/cli.js';
import { attachDrive, detachAll, detachDrive, lockDrives, mountSpy, runThenMountinfo, seedStaticTree, waitForRecord, type MountSpy, type MountinfoRun } from '../helpers/drive.js';

const UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const work = mkdtempSync(join(tmpdir(), 'mdctl-drive-loop-'));
let release: Release | undefined;
let counter = 0;
let allowExt: string;
let defaults: string;

before(async () => {
  release = await lockDrives();
  allowExt = join(work, 'allow-ext.yaml');
  writeFileSync(allowExt, 'config_drive: {filesystems: [ext4, ext2]}\n');
  defaults = join(work, 'defaults.yaml');
  writeFileSync(defaults, '# defaults\n');
});

after(async () => {
  await detachAll();
  await release?.();
  rmSync(work, { recursive: true, force: true });
});

function fresh(name: string): string {
  const dir = join(work, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

type Run = MountinfoRun;

/**
 * `mdctl ARGS` in a private mount namespace (unshare -m), with the spy's `mount` first on PATH;
 * the shell that ran it then prints that namespace's mountinfo. `during` runs once started.
 */
function mdctlInNamespace(args: string[], spy: MountSpy, during?: () => Promise<void>): Promise<Run> {
  const env = { ...process.env, NO_COLOR: '1', PATH: `${spy.bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
  const ended = runThenMountinfo(['unshare', '-m', '--propagation', 'private'], [process.execPath, BIN, ...args], { env, out: join(fresh('out'), 'mountinfo'), timeoutMs: 60_000 });
  return during === undefined ? ended : during().then(() => ended);
}

/** The mount directory mdctl made (from the spy's record), its mode before mounting, and the mount's line. */
function spied(spy: MountSpy): { dir: string; mode: string; line: string } {
  const record = readFileSync(spy.record, 'utf8');
  const [, mode = '', dir = ''] = /^mode (\d+) (\S+)$/m.exec(record) ?? [];
  const line = record.split('\n').find((entry) => entry.includes(` ${dir} `) && !entry.startsWith('mode')) ?? '';
  return { dir, mode, line };
}

/** The per-mount options of a mountinfo line (its sixth field). */
function mountOptions(line: string): string[] {
  return (line.split(' ')[5] ?? '').split(',');
}

function assertCleanedUp(run: Run, dir: string): void {
  assert.ok(run.mountinfo.includes(' / / '), 'the mountinfo of the namespace was read');
  assert.ok(!run.mountinfo.includes('mdctl-drive-'), `nothing of mdctl is mounted in its namespace:\n${run.mountinfo}`);
  assert.ok(dir.includes('/mdctl-drive-'), dir);
  assert.equal(existsSync(dir), false, `${dir} is removed`);
}

function seedImage(name: string): { image: string; tree: string } {
  const dir = fresh(name);
  return { image: join(dir, 'drive.img'), tree: seedStaticTree(join(dir, 'tree')) };
}

test('a drive that is not mounted is mounted ro,nosuid,nodev,noexec in a private 0700 directory, read, then unmounted and the directory removed', async () => {
  const { image, tree } = seedImage('good');
  const device = await attachDrive(image, tree);
  try {
    const spy = mountSpy(fresh('spy'), false);
    const cache = fresh('cache');
    const run = await mdctlInNamespace(['fetch', '--source', 'configdrive', '--config', allowExt, '--cache-dir', cache, '--json'], spy);
    assert.equal(run.status, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { instance_id: string; source: { kind: string; endpoint: string; version: string } };
    assert.equal(doc.instance_id, UUID);
    assert.deepEqual([doc.source.kind, doc.source.endpoint, doc.source.version], ['configdrive', device, '2020-10-14']);
    const { dir, mode, line } = spied(spy);
    assert.equal(mode, '700');
    for (const option of ['ro', 'nosuid', 'nodev', 'noexec']) assert.ok(mountOptions(line).includes(option), `${option} in ${line}`);
    assert.match(line, / - ext4 /);
    assertCleanedUp(run, dir);
  } finally {
    await detachDrive(device);
  }
});

test('the default allow-list (iso9660, vfat) refuses an ext4 drive: exit 5, one line naming the device, nothing mounted', async () => {
  const { image, tree } = seedImage('ext4');
  const device = await attachDrive(image, tree);
  try {
    const spy = mountSpy(fresh('spy'), false);
    const run = await mdctlInNamespace(['fetch', '--source', 'configdrive', '--config', defaults, '--cache-dir', fresh('cache')], spy);
    assert.equal(run.status, 5);
    assert.match(run.stderr, new RegExp(`^mdctl: config drive ${device}: file system ext4 is not allowed \\(allowed: iso9660, vfat\\) \\(.*config_drive\\.filesystems.*\\)\n$`));
    assert.equal(readFileSync(spy.record, 'utf8'), '', 'mount(8) never ran');
  } finally {
    await detachDrive(device);
  }
});

test('a drive that cannot be read is one line naming the device, and it is unmounted all the same', async () => {
  const { image, tree } = seedImage('bad-json');
  writeFileSync(join(tree, 'openstack', '2020-10-14', 'meta_data.json'), '{"uuid": ');
  const device = await attachDrive(image, tree);
  try {
    const spy = mountSpy(fresh('spy'), false);
    const run = await mdctlInNamespace(['fetch', '--source', 'configdrive', '--config', allowExt, '--cache-dir', fresh('cache')], spy);
    assert.equal(run.status, 5);
    assert.match(run.stderr, new RegExp(`^mdctl: config drive ${device}: config drive file "openstack/2020-10-14/meta_data\\.json": malformed JSON`));
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assertCleanedUp(run, spied(spy).dir);
  } finally {
    await detachDrive(device);
  }
});

for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} while the drive is mounted: unmounted, directory removed, then mdctl dies of the signal`, async () => {
    const { image, tree } = seedImage(signal);
    const device = await attachDrive(image, tree);
    try {
      const spy = mountSpy(fresh('spy'), true);
      const run = await mdctlInNamespace(['fetch', '--source', 'configdrive', '--config', allowExt, '--cache-dir', fresh('cache')], spy, async () => {
        const record = await waitForRecord(spy, 'mounted');
        const pid = Number(/^pid (\d+)$/m.exec(record)?.[1]);
        assert.ok(pid > 1, record);
        process.kill(pid, signal);
        writeFileSync(spy.hold ?? '', 'go\n');
      });
      assert.equal(run.status, status, `killed by ${signal}; stderr: ${run.stderr}`);
      assert.ok(spied(spy).line.includes(' - ext4 '), 'the drive was mounted when the signal came');
      assertCleanedUp(run, spied(spy).dir);
    } finally {
      await detachDrive(device);
    }
  });
}

test('hostile: a symlink on the drive pointing outside it is refused, never followed; unmounted', async () => {
  const { image, tree } = seedImage('symlink');
  const version = join(tree, 'openstack', '2020-10-14');
  rmSync(join(version, 'vendor_data.json'));
  symlinkSync('/etc/passwd', join(version, 'vendor_data.json'));
  symlinkSync('/etc', join(tree, 'openstack', '2099-01-01'));
  const device = await attachDrive(image, tree);
  try {
    const spy = mountSpy(fresh('spy'), false);
    const run = await mdctlInNamespace(['fetch', '--source', 'configdrive', '--config', allowExt, '--cache-dir', fresh('cache')], spy);
    assert.equal(run.status, 5);
    assert.match(run.stderr, new RegExp(`^mdctl: config drive ${device}: config drive file "openstack/2020-10-14/vendor_data\\.json": not a regular file\\n$`));
    assertCleanedUp(run, spied(spy).dir);
  } finally {
    await detachDrive(device);
  }
});

test('hostile: an oversized file is refused before it is read; unmounted', async () => {
  const { image, tree } = seedImage('big');
  writeFileSync(join(tree, 'openstack', '2020-10-14', 'user_data'), Buffer.alloc(3 * 1024 * 1024, 0x61));
  const device = await attachDrive(image, tree, { sizeMiB: 8 });
  try {
    const spy = mountSpy(fresh('spy'), false);
    const run = await mdctlInNamespace(['fetch', '--source', 'configdrive', '--config', allowExt, '--cache-dir', fresh('cache')], spy);
    assert.equal(run.status, 5);
    assert.match(run.stderr, new RegExp(`^mdctl: config drive ${device}: config drive file "openstack/2020-10-14/user_data": 3145728 bytes, over the 1048576-byte cap\\n$`));
    assertCleanedUp(run, spied(spy).dir);
  } finally {
    await detachDrive(device);
  }
});

test('hostile: a drive whose file system is broken cannot be mounted: one line naming the device, the directory removed', async () => {
  const { image, tree } = seedImage('broken');
  const device = await attachDrive(image, tree, { type: 'ext2' });
  try {
    // An absurd block size in the superblock: blkid still says ext2, the kernel refuses to mount it.
    const bytes = readFileSync(image);
    bytes[1024 + 24] = 0x40;
    writeFileSync(image, bytes);
    const spy = mountSpy(fresh('spy'), false);
    const run = await mdctlInNamespace(['fetch', '--source', 'configdrive', '--config', allowExt, '--cache-dir', fresh('cache')], spy);
    assert.equal(run.status, 1);
    assert.match(run.stderr, new RegExp(`^mdctl: config drive ${device}: cannot mount it: .*\\n$`));
    assertCleanedUp(run, spied(spy).dir);
  } finally {
    await detachDrive(device);
  }
});

test('hostile: two drives labelled config-2: the first by device name is read, the warning names the other', async () => {
  const first = seedImage('two-a');
  const second = seedImage('two-b');
  const devices = [await attachDrive(first.image, first.tree), await attachDrive(second.image, second.tree)];
  try {
    const sorted = [...devices].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const spy = mountSpy(fresh('spy'), false);
    const run = await mdctlInNamespace(['fetch', '--source', 'configdrive', '--config', allowExt, '--cache-dir', fresh('cache'), '--json'], spy);
    assert.equal(run.status, 0, `${run.stderr}${run.stdout}${readFileSync(spy.record, 'utf8')}`);
    assert.equal((JSON.parse(run.stdout) as { source: { endpoint: string } }).source.endpoint, sorted[0]);
    assert.match(run.stderr, new RegExp(`several drives are labelled config-2: using ${sorted[0]}, ignoring ${sorted[1]}`));
    assertCleanedUp(run, spied(spy).dir);
  } finally {
    for (const device of devices) await detachDrive(device);
  }
});

test('hostile: a device with no file system at all is an error naming it (real blkid, real mount refused)', async () => {
  const image = join(fresh('zeros'), 'zeros.img');
  const device = await attachDrive(image, null, { type: 'none' });
  try {
    // blkid cannot find a label on zeros: the "by label" answer names the device, everything else is the real blkid.
    const exec: Exec = (argv, options) => (argv.includes('-t') ? Promise.resolve({ stdout: argv.includes('LABEL=config-2') ? `${device}\n` : '', stderr: '' }) : realExec(argv, options));
    const parent = fresh('parent');
    await assert.rejects(
      readDrive({ root: '/', filesystems: () => Promise.resolve(DEFAULT_DRIVE_FILESYSTEMS), deadline: new Deadline(20_000), log: () => {}, warn: () => {}, exec, mountParent: parent, privileged: true }),
      (error: unknown) => error instanceof MdctlError && error.message === `config drive ${device}: cannot mount it: no file system found on it`,
    );
  } finally {
    await detachDrive(device);
  }
});

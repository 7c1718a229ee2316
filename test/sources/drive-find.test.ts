// Finding the config drive (fake /dev and a fake blkid), the allow-list, and the mount window's bookkeeping with a fake mounter.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Deadline } from '../../src/core/deadline.js';
import { MdctlError, type ErrorCode } from '../../src/core/errors.js';
import type { Exec } from '../../src/system/exec.js';
import type { Mounter } from '../../src/system/mount.js';
import { byDeviceName, findDrive } from '../../src/sources/drive-find.js';
import { DEFAULT_DRIVE_FILESYSTEMS, MOUNT_OPTIONS, typeProblem } from '../../src/sources/drive-mount.js';
import { readDrive, type DriveOptions } from '../../src/sources/drive.js';
import { readMetadata } from '../../src/sources/select.js';
import { NOVA_FIXTURES } from '../helpers/emulator.js';

const work = mkdtempSync(join(tmpdir(), 'mdctl-drive-find-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

const MOUNTS = 'proc /proc proc rw 0 0\n/dev/vda1 / ext4 rw 0 0\n';

/** A fake root: proc/self/mounts, and dev/disk/by-label links when `links` is given (udev), else none (no udev). */
function fakeRoot(mounts: string, links?: Record<string, string>): string {
  const root = join(work, `root-${counter++}`);
  mkdirSync(join(root, 'proc', 'self'), { recursive: true });
  writeFileSync(join(root, 'proc', 'self', 'mounts'), mounts);
  if (links !== undefined) {
    mkdirSync(join(root, 'dev', 'disk', 'by-label'), { recursive: true });
    for (const [label, target] of Object.entries(links)) symlinkSync(target, join(root, 'dev', 'disk', 'by-label', label));
  }
  return root;
}

/** A blkid that answers from a table: devices by label, types by device; every call is recorded. */
function fakeBlkid(labels: Record<string, string[]>, types: Record<string, string> = {}): Exec & { calls: string[][] } {
  const calls: string[][] = [];
  const run = (argv: readonly string[]) => {
    calls.push([...argv]);
    const notFound = () => Promise.reject(new MdctlError('ERR_EXEC', `${argv.join(' ')} failed: exit status 2`, { cause: Object.assign(new Error('exit 2'), { code: 2 }) }));
    if (argv[3] === '-t') {
      const found = labels[(argv[4] ?? '').slice('LABEL='.length)] ?? [];
      return found.length === 0 ? notFound() : Promise.resolve({ stdout: `${found.join('\n')}\n`, stderr: '' });
    }
    const type = types[argv.at(-1) ?? ''];
    return type === undefined ? notFound() : Promise.resolve({ stdout: `${type}\n`, stderr: '' });
  };
  return Object.assign(run, { calls });
}

/** A mounter that "mounts" by copying a tree into the directory, and records what it was asked. */
function fakeMounter(tree: string | null, failure?: string): Mounter & { mounts: { device: string; dir: string; type: string; options: string[] }[]; unmounted: string[] } {
  const mounts: { device: string; dir: string; type: string; options: string[] }[] = [];
  const unmounted: string[] = [];
  const current = new Set<string>();
  return {
    mounts,
    unmounted,
    mount(device, dir, type, options) {
      mounts.push({ device, dir, type, options: [...options] });
      if (failure !== undefined) return Promise.reject(new MdctlError('ERR_EXEC', failure));
      if (tree !== null) cpSync(tree, dir, { recursive: true });
      current.add(dir);
      return Promise.resolve();
    },
    isMountPoint: (dir) => Promise.resolve(current.has(dir)),
    unmount(dir) {
      current.delete(dir);
      unmounted.push(dir);
      for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** A drive tree holding the seed-static instance. */
function driveTree(): string {
  const dir = join(work, `tree-${counter++}`);
  cpSync(join(NOVA_FIXTURES, 'seed-static', 'openstack', '2020-10-14'), join(dir, 'openstack', '2020-10-14'), { recursive: true });
  return dir;
}

function options(root: string, overrides: Partial<DriveOptions> = {}): DriveOptions & { warnings: string[] } {
  const warnings: string[] = [];
  const parent = join(work, `parent-${counter++}`);
  mkdirSync(parent);
  return {
    root,
    filesystems: () => Promise.resolve(DEFAULT_DRIVE_FILESYSTEMS),
    deadline: new Deadline(5000),
    log: () => {},
    warn: (message) => warnings.push(message),
    exec: fakeBlkid({}),
    mountParent: parent,
    privileged: true,
    ...overrides,
    warnings,
  };
}

function rejectsWith(code: ErrorCode, pattern: RegExp) {
  return (error: unknown) => error instanceof MdctlError && error.code === code && pattern.test(error.message) && !error.message.includes('\n');
}

test('device names sort naturally: loop2 before loop10', () => {
  assert.deepEqual(['/dev/loop10', '/dev/sr1', '/dev/loop2', '/dev/sr0'].sort(byDeviceName), ['/dev/loop2', '/dev/loop10', '/dev/sr0', '/dev/sr1']);
});

test('by-label links (udev): relative and absolute, mounted or not; blkid is not asked', async () => {
  const blkid = fakeBlkid({ 'config-2': ['/dev/sr9'] });
  const root = fakeRoot(`${MOUNTS}/dev/sr0 /media/config\\0402 iso9660 ro 0 0\n`, { 'config-2': '../../sr0' });
  assert.deepEqual(await findDrive({ root, exec: blkid }), { device: '/dev/sr0', others: [], mountPoint: join(root, 'media', 'config 2') });
  const vfat = fakeRoot(MOUNTS, { 'CONFIG-2': '/dev/vdb' });
  assert.deepEqual(await findDrive({ root: vfat, exec: blkid }), { device: '/dev/vdb', others: [], mountPoint: null });
  assert.deepEqual(blkid.calls, []);
});

test('no udev: blkid -t LABEL=... -o device for both labels; none found is null', async () => {
  const blkid = fakeBlkid({ 'CONFIG-2': ['/dev/vdc'] });
  const root = fakeRoot(MOUNTS);
  assert.deepEqual(await findDrive({ root, exec: blkid }), { device: '/dev/vdc', others: [], mountPoint: null });
  assert.deepEqual(blkid.calls, [
    ['blkid', '-c', '/dev/null', '-t', 'LABEL=config-2', '-o', 'device'],
    ['blkid', '-c', '/dev/null', '-t', 'LABEL=CONFIG-2', '-o', 'device'],
  ]);
  assert.equal(await findDrive({ root, exec: fakeBlkid({}) }), null);
});

test('udev links, but none for the label (udev not done yet): blkid scans', async () => {
  const blkid = fakeBlkid({ 'config-2': ['/dev/sr0'] });
  assert.deepEqual(await findDrive({ root: fakeRoot(MOUNTS, {}), exec: blkid }), { device: '/dev/sr0', others: [], mountPoint: null });
  assert.equal(blkid.calls.length, 2);
});

test('a blkid that fails otherwise than "nothing found" is an error', async () => {
  const broken: Exec = () => Promise.reject(new MdctlError('ERR_EXEC', "'blkid' is not installed"));
  await assert.rejects(findDrive({ root: fakeRoot(MOUNTS), exec: broken }), rejectsWith('ERR_IO', /cannot list devices labelled config-2: 'blkid' is not installed/));
});

test('several drives: the first by device name, with a warning naming the others', async () => {
  const root = fakeRoot(`${MOUNTS}/dev/loop2 /mnt/cd iso9660 ro 0 0\n`);
  cpSync(driveTree(), join(root, 'mnt', 'cd'), { recursive: true });
  const opts = options(root, { exec: fakeBlkid({ 'config-2': ['/dev/loop10', '/dev/loop2'], 'CONFIG-2': ['/dev/sr0'] }) });
  const read = await readDrive(opts);
  assert.equal(read.kind, 'read');
  assert.deepEqual(opts.warnings, ['several drives are labelled config-2: using /dev/loop2, ignoring /dev/loop10, /dev/sr0']);
});

test('several drives, the first skipped (file system not allowed): no warning about the others, the skip says why', async () => {
  const opts = options(fakeRoot(MOUNTS), { exec: fakeBlkid({ 'config-2': ['/dev/vdb', '/dev/vdc'] }, { '/dev/vdb': 'ext4' }), mounter: fakeMounter(null) });
  const read = await readDrive(opts);
  assert.equal(read.kind === 'skipped' && read.reason, 'config drive /dev/vdb: file system ext4 is not allowed (allowed: iso9660, vfat)');
  assert.deepEqual(opts.warnings, []);
});

test('a mounted drive is read where it is, and never mounted again', async () => {
  const root = fakeRoot(`${MOUNTS}/dev/sr0 /mnt/cd iso9660 ro 0 0\n`);
  cpSync(driveTree(), join(root, 'mnt', 'cd'), { recursive: true });
  const mounter = fakeMounter(null);
  const read = await readDrive(options(root, { exec: fakeBlkid({ 'config-2': ['/dev/sr0'] }), mounter, privileged: false }));
  assert.equal(read.kind === 'read' && read.raw.endpoint, join(root, 'mnt', 'cd'));
  assert.deepEqual(mounter.mounts, []);
});

test('not root: a drive that is not mounted is skipped, never mounted', async () => {
  const mounter = fakeMounter(driveTree());
  const read = await readDrive(options(fakeRoot(MOUNTS), { exec: fakeBlkid({ 'config-2': ['/dev/sr0'] }, { '/dev/sr0': 'iso9660' }), mounter, privileged: false }));
  assert.deepEqual(read, { kind: 'skipped', code: 'ERR_PERMISSION', reason: 'config drive /dev/sr0 is not mounted, and mounting it needs root: skipped' });
  assert.deepEqual(mounter.mounts, []);
});

test('the allow-list: iso9660 and vfat by default, others only when configured; no type is an error', () => {
  assert.equal(typeProblem('iso9660', DEFAULT_DRIVE_FILESYSTEMS), null);
  assert.equal(typeProblem('vfat', DEFAULT_DRIVE_FILESYSTEMS), null);
  assert.equal(typeProblem('ext4', DEFAULT_DRIVE_FILESYSTEMS), 'file system ext4 is not allowed (allowed: iso9660, vfat)');
  assert.equal(typeProblem('ext4', ['iso9660', 'vfat', 'ext4']), null);
  assert.equal(typeProblem('ext4,exec', ['ext4,exec']), 'file system type "ext4,exec" is not a type name');
  assert.equal(typeProblem(null, DEFAULT_DRIVE_FILESYSTEMS), 'no file system found on it');
});

test('mounts read-only, nosuid, nodev, noexec, with the type blkid read, in a 0700 directory it removes afterwards', async () => {
  const mounter = fakeMounter(driveTree());
  let modeSeen = 0;
  const watching: Mounter = {
    ...mounter,
    mount: async (device, dir, type, opts) => {
      modeSeen = statSync(dir).mode & 0o777;
      await mounter.mount(device, dir, type, opts);
    },
  };
  const opts = options(fakeRoot(MOUNTS), { exec: fakeBlkid({ 'config-2': ['/dev/sr0'] }, { '/dev/sr0': 'iso9660' }), mounter: watching });
  const read = await readDrive(opts);
  assert.equal(read.kind === 'read' && read.raw.endpoint, '/dev/sr0');
  assert.equal(read.kind === 'read' && read.raw.version, '2020-10-14');
  const [mount] = mounter.mounts;
  assert.deepEqual({ ...mount, dir: undefined }, { device: '/dev/sr0', dir: undefined, type: 'iso9660', options: ['ro', 'nosuid', 'nodev', 'noexec'] });
  assert.deepEqual([...MOUNT_OPTIONS], ['ro', 'nosuid', 'nodev', 'noexec']);
  assert.equal(modeSeen, 0o700);
  assert.deepEqual(mounter.unmounted, [mount?.dir]);
  assert.equal(existsSync(mount?.dir ?? ''), false);
  assert.deepEqual(readdirSync(opts.mountParent ?? ''), []);
});

test('a file system not on the list is skipped with the hint; --source configdrive makes it exit 5', async () => {
  const mounter = fakeMounter(driveTree());
  const opts = options(fakeRoot(MOUNTS), { exec: fakeBlkid({ 'config-2': ['/dev/vdb'] }, { '/dev/vdb': 'ext4' }), mounter });
  const read = await readDrive(opts);
  assert.equal(read.kind, 'skipped');
  assert.equal(read.kind === 'skipped' && read.reason, 'config drive /dev/vdb: file system ext4 is not allowed (allowed: iso9660, vfat)');
  assert.deepEqual(mounter.mounts, []);
  await assert.rejects(
    readMetadata({
      spec: { kind: 'configdrive', dir: null },
      candidates: () => Promise.resolve([]),
      clientFactory: () => Promise.reject(new Error('unused')),
      deadline: new Deadline(1000),
      root: opts.root,
      probeConfigDrive: true,
      driveSeams: { exec: opts.exec, mounter, mountParent: opts.mountParent, privileged: true },
      log: () => {},
    }),
    (error: unknown) => rejectsWith('ERR_REJECTED', /^config drive \/dev\/vdb: file system ext4 is not allowed/)(error) && /config_drive\.filesystems/.test((error as MdctlError).hint ?? ''),
  );
});

test('a drive whose mount fails, or that holds no file system, is an error naming the device; the directory is removed', async () => {
  const opts = options(fakeRoot(MOUNTS), { exec: fakeBlkid({ 'config-2': ['/dev/vdb'] }, { '/dev/vdb': 'iso9660' }), mounter: fakeMounter(null, 'wrong fs type, bad superblock') });
  await assert.rejects(readDrive(opts), rejectsWith('ERR_IO', /^config drive \/dev\/vdb: cannot mount it: wrong fs type, bad superblock$/));
  assert.deepEqual(readdirSync(opts.mountParent ?? ''), []);
  const none = options(fakeRoot(MOUNTS), { exec: fakeBlkid({ 'config-2': ['/dev/vdb'] }), mounter: fakeMounter(null) });
  await assert.rejects(readDrive(none), rejectsWith('ERR_IO', /^config drive \/dev\/vdb: cannot mount it: no file system found on it$/));
});

test('a drive that cannot be read: the error names the device, and it is unmounted', async () => {
  const tree = driveTree();
  writeFileSync(join(tree, 'openstack', '2020-10-14', 'meta_data.json'), '{"uuid": ');
  const mounter = fakeMounter(tree);
  // A short parent, as /run is: the message names the file relative to the drive.
  const opts = options(fakeRoot(MOUNTS), { exec: fakeBlkid({ 'config-2': ['/dev/sr0'] }, { '/dev/sr0': 'iso9660' }), mounter, mountParent: tmpdir() });
  await assert.rejects(readDrive(opts), rejectsWith('ERR_INVALID_METADATA', /^config drive \/dev\/sr0: config drive file "openstack\/2020-10-14\/meta_data\.json": malformed JSON/));
  assert.deepEqual(mounter.unmounted, [mounter.mounts[0]?.dir]);
  assert.equal(existsSync(mounter.mounts[0]?.dir ?? ''), false);
});

test('a mount that outlasts the deadline times out (exit 4); the drive is unmounted once the mount has ended', async () => {
  const mounter = fakeMounter(driveTree());
  // mount(8) ends by itself (it has its own timeout): here a little after the deadline.
  const slow: Mounter = { ...mounter, mount: (...args) => new Promise((resolve) => setTimeout(resolve, 300)).then(() => mounter.mount(...args)) };
  const opts = options(fakeRoot(MOUNTS), { exec: fakeBlkid({ 'config-2': ['/dev/sr0'] }, { '/dev/sr0': 'iso9660' }), mounter: slow, deadline: new Deadline(50) });
  await assert.rejects(readDrive(opts), rejectsWith('ERR_TIMEOUT', /config drive \/dev\/sr0: not read within the deadline/));
  assert.deepEqual(mounter.unmounted, [mounter.mounts[0]?.dir]);
  assert.deepEqual(readdirSync(opts.mountParent ?? ''), []);
});

test('--source auto uses a drive first and never touches the network; a skipped drive goes on to it with a warning', async () => {
  const root = fakeRoot(`${MOUNTS}/dev/sr0 /mnt/cd iso9660 ro 0 0\n`);
  cpSync(driveTree(), join(root, 'mnt', 'cd'), { recursive: true });
  let networkUsed = false;
  const select = (exec: Exec, warnings: string[]) =>
    readMetadata({
      spec: { kind: 'auto' },
      candidates: () => {
        networkUsed = true;
        return Promise.resolve([]);
      },
      clientFactory: () => Promise.reject(new Error('no network here')),
      deadline: new Deadline(1000),
      root,
      probeConfigDrive: true,
      driveSeams: { exec, privileged: false },
      log: () => {},
      warn: (message) => warnings.push(message),
    });
  const raw = await select(fakeBlkid({ 'config-2': ['/dev/sr0'] }), []);
  assert.equal(raw.kind, 'configdrive');
  assert.equal(networkUsed, false);
  const warnings: string[] = [];
  await assert.rejects(select(fakeBlkid({ 'config-2': ['/dev/vdb'] }), warnings), /no network here/);
  assert.equal(networkUsed, true);
  assert.deepEqual(warnings, ['config drive /dev/vdb is not mounted, and mounting it needs root: skipped; trying the metadata service']);
});

test('--source configdrive with no drive is unreachable (exit 4)', async () => {
  await assert.rejects(
    readMetadata({
      spec: { kind: 'configdrive', dir: null },
      candidates: () => Promise.resolve([]),
      clientFactory: () => Promise.reject(new Error('unused')),
      deadline: new Deadline(1000),
      root: fakeRoot(MOUNTS, {}),
      probeConfigDrive: true,
      driveSeams: { exec: fakeBlkid({}) },
      log: () => {},
    }),
    rejectsWith('ERR_UNREACHABLE', /^config drive: no drive labelled config-2 or CONFIG-2$/),
  );
});

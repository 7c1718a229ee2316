// The local stage end to end: a guest namespace with the seed-static MAC and no address, a real config drive; `boot --local`, then `boot` with no metadata service.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Release } from '../../src/system/lock.js';
import { snapshot } from '../appliers/root.js';
import { BIN } from '../helpers/cli.js';
import { attachDrive, detachAll, detachDrive, lockDrives, runThenMountinfo, seedStaticTree, type MountinfoRun } from '../helpers/drive.js';
import { cleanup, exec, staticGuestNetwork, uniqueName, wrapUts } from '../helpers/netns.js';

const HOST = uniqueName('d13h');
const GUEST = uniqueName('d13g');
const HOST_IF = uniqueName('d13v');
const SEED_MAC = 'fa:16:3e:5b:a1:0c';
const LINK = 'tapc8c3f2f8-5e';
const UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const OTHER_UUID = '0c0ffee0-1111-4222-8333-444455556666';
const GENERIC = '[Match]\nName=*\n\n[Network]\nDHCP=yes\n';

const work = mkdtempSync(join(tmpdir(), 'mdctl-local-stage-'));
const root = join(work, 'root');
const cacheDir = join(work, 'cache');
const stateDir = join(work, 'state');
let release: Release | undefined;
let device = '';
let server: ChildProcess | undefined;
let runs = 0;

/** A config file: ext4 drives allowed (this kernel has no iso9660 or vfat), and the renderer. */
function config(renderer: string): string {
  const path = join(work, `config-${renderer}.yaml`);
  writeFileSync(path, `config_drive: {filesystems: [ext4]}\nnetwork: {renderer: ${renderer}}\n`);
  return path;
}

/** A drive tree for an instance: seed-static, without user-data (its script would run live), with another uuid and address when asked. */
function tree(uuid: string, address: string): string {
  const dir = seedStaticTree(join(work, `tree-${uuid}-${runs++}`));
  const version = join(dir, 'openstack', '2020-10-14');
  rmSync(join(version, 'user_data'));
  const meta = JSON.parse(readFileSync(join(version, 'meta_data.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(version, 'meta_data.json'), JSON.stringify({ ...meta, uuid }));
  const network = readFileSync(join(version, 'network_data.json'), 'utf8');
  writeFileSync(join(version, 'network_data.json'), network.replace('"192.168.0.233"', `"${address}"`));
  return dir;
}

type Run = MountinfoRun;

/** mdctl in the guest (its own UTS namespace too), then the mountinfo of that mount namespace. */
function guestMdctl(args: string[]): Promise<Run> {
  const env = { ...process.env, NO_COLOR: '1', MDCTL_ENDPOINT: undefined, MDCTL_CONFIG: undefined, MDCTL_CACHE_DIR: cacheDir, MDCTL_STATE_DIR: stateDir };
  return runThenMountinfo(wrapUts(GUEST), [process.execPath, BIN, ...args], { env, out: join(work, `mountinfo-${runs++}`), timeoutMs: 90_000 });
}

function local(renderer: string, ...extra: string[]): Promise<Run> {
  return guestMdctl(['boot', '--local', '--root', root, '--live', '--config', config(renderer), ...extra]);
}

function nothingMounted(run: Run): void {
  assert.ok(run.mountinfo.includes(' / / '), 'the mountinfo of the namespace was read');
  assert.ok(!run.mountinfo.includes('mdctl-drive-'), `nothing of mdctl stays mounted:\n${run.mountinfo}`);
}

async function eth0(): Promise<{ up: boolean; mtu: number; v4: string[] }> {
  const { stdout } = await exec(GUEST, ['ip', '-j', 'address', 'show', 'dev', 'eth0']);
  const [link] = JSON.parse(stdout) as { mtu: number; flags: string[]; addr_info: { family: string; local: string; prefixlen: number }[] }[];
  assert.ok(link !== undefined);
  return { up: link.flags.includes('UP'), mtu: link.mtu, v4: link.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`).sort() };
}

async function defaultRoute(): Promise<string> {
  const { stdout } = await exec(GUEST, ['ip', '-j', '-4', 'route', 'show', 'default']);
  return (JSON.parse(stdout) as { gateway?: string; dev: string }[]).map((route) => `via ${route.gateway ?? '-'} dev ${route.dev}`).join(', ');
}

const list = (dir: string): string[] => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)).sort() : []);

/** A TCP server in the host namespace on 192.168.0.1:7000 that answers with the client's address; resolves once it listens. */
function startServer(): Promise<void> {
  const script = "require('net').createServer((s) => s.end(`hello ${s.remoteAddress}\\n`)).listen(7000, '192.168.0.1', () => console.log('ready'))";
  server = spawn('ip', ['netns', 'exec', HOST, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    server?.on('exit', (code) => reject(new Error(`server exited (${code})`)));
    server?.stdout?.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('ready') && resolve());
  });
}

before(async () => {
  release = await lockDrives();
  await staticGuestNetwork({ host: HOST, guest: GUEST, hostIf: HOST_IF, guestMac: SEED_MAC });
  mkdirSync(join(root, 'etc/systemd/network'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/network/99-default.network'), GENERIC);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  mkdirSync(join(root, 'root'), { mode: 0o700 });
  await startServer();
});

after(async () => {
  server?.kill('SIGKILL');
  await detachAll();
  await cleanup();
  await release?.();
  rmSync(work, { recursive: true, force: true });
});

test('no drive: boot --local does nothing and exits 0', async () => {
  const run = await local('networkd');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /no config drive: nothing to do before networking/);
  assert.deepEqual(await eth0(), { up: false, mtu: 1500, v4: [] });
  assert.equal(existsSync(join(cacheDir, 'instance.json')), false);
  assert.deepEqual(list('etc/systemd/network'), ['99-default.network']);
});

test('boot --local: the drive is mounted, read and unmounted; the interface gets its address, MTU and default route live; networkd file rendered', async () => {
  device = await attachDrive(join(work, 'drive-1.img'), tree(UUID, '192.168.0.233'));
  const run = await local('networkd');
  assert.equal(run.status, 0, run.stderr);
  nothingMounted(run);
  assert.deepEqual(await eth0(), { up: true, mtu: 1450, v4: ['192.168.0.233/24'] });
  assert.equal(await defaultRoute(), 'via 192.168.0.1 dev eth0');
  assert.deepEqual(list('etc/systemd/network'), [`10-mdctl-${LINK}.network`, '99-default.network']);
  const file = readFileSync(join(root, `etc/systemd/network/10-mdctl-${LINK}.network`), 'utf8');
  for (const line of [`MACAddress=${SEED_MAC}`, 'MTUBytes=1450', 'Address=192.168.0.233/24', 'Gateway=192.168.0.1', 'DNS=192.168.0.2']) assert.ok(file.split('\n').includes(line), `${line} in\n${file}`);
  assert.equal(readFileSync(join(root, 'etc/systemd/network/99-default.network'), 'utf8'), GENERIC);
  const cached = JSON.parse(readFileSync(join(cacheDir, 'instance.json'), 'utf8')) as { instance_id: string; source: { kind: string; endpoint: string } };
  assert.deepEqual([cached.instance_id, cached.source.kind, cached.source.endpoint], [UUID, 'configdrive', device]);
  assert.equal(existsSync(join(root, 'etc/hostname')), false, 'only network and routes run in the local stage');
});

test('the guest reaches a host-side server over its new address', async () => {
  const script = "require('net').connect(7000, '192.168.0.1').on('data', (d) => process.stdout.write(d)).on('error', (e) => console.log(e.code))";
  assert.equal((await exec(GUEST, [process.execPath, '-e', script], 15_000)).stdout, 'hello 192.168.0.233\n');
});

test('boot afterwards completes from the local stage cache, without any metadata service', async () => {
  const run = await guestMdctl(['boot', '--root', root, '--live', '--config', config('networkd'), '--timeout', '10', '--debug']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`using what the local stage of this boot read from the config drive ${device}`));
  assert.doesNotMatch(run.stderr, /GET |waiting for the metadata service/);
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  assert.deepEqual(await eth0(), { up: true, mtu: 1450, v4: ['192.168.0.233/24'] });
  nothingMounted(run);
});

test('a second boot --local changes nothing: only noops, bytes and mtimes kept', async () => {
  const before = snapshot(root);
  const run = await local('networkd');
  assert.equal(run.status, 0, run.stderr);
  const marks = run.stdout.split('\n').filter((line) => /^ {2}[-+~=] /.test(line)).map((line) => line.trim()[0]);
  assert.ok(marks.length >= 3, run.stdout);
  assert.deepEqual([...new Set(marks)], ['='], run.stdout);
  assert.deepEqual(snapshot(root), before);
  assert.deepEqual(await eth0(), { up: true, mtu: 1450, v4: ['192.168.0.233/24'] });
  nothingMounted(run);
});

test('networkmanager: the keyfile (0600) replaces the networkd file', async () => {
  const run = await local('networkmanager');
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(list('etc/systemd/network'), ['99-default.network']);
  assert.deepEqual(list('etc/NetworkManager/system-connections'), [`mdctl-${LINK}.nmconnection`]);
  const path = join(root, `etc/NetworkManager/system-connections/mdctl-${LINK}.nmconnection`);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const text = readFileSync(path, 'utf8');
  for (const line of ['mac-address=FA:16:3E:5B:A1:0C', 'mtu=1450', 'method=manual', 'address1=192.168.0.233/24', 'gateway=192.168.0.1']) assert.ok(text.split('\n').includes(line), `${line} in\n${text}`);
});

test('a new instance on the drive replaces exactly what mdctl added; an address of someone else stays', async () => {
  await exec(GUEST, ['ip', 'address', 'add', '192.168.0.50/24', 'dev', 'eth0']);
  await detachDrive(device);
  device = await attachDrive(join(work, 'drive-2.img'), tree(OTHER_UUID, '192.168.0.240'));
  const run = await local('networkmanager');
  assert.equal(run.status, 0, run.stderr);
  nothingMounted(run);
  assert.deepEqual(await eth0(), { up: true, mtu: 1450, v4: ['192.168.0.240/24', '192.168.0.50/24'] });
  assert.equal(await defaultRoute(), 'via 192.168.0.1 dev eth0');
  assert.match(readFileSync(join(root, `etc/NetworkManager/system-connections/mdctl-${LINK}.nmconnection`), 'utf8'), /^address1=192\.168\.0\.240\/24$/m);
  assert.equal(readFileSync(join(root, 'etc/systemd/network/99-default.network'), 'utf8'), GENERIC);
  const cached = JSON.parse(readFileSync(join(cacheDir, 'instance.json'), 'utf8')) as { instance_id: string };
  assert.equal(cached.instance_id, OTHER_UUID);
});

// The network applier for real: a guest namespace whose veth has the seed-static MAC and no address; `apply --only network,routes` from a config-drive tree.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { NOVA_FIXTURES } from '../helpers/emulator.js';
import { addAddr, cleanup, exec, staticGuestNetwork, uniqueName, wrapUts } from '../helpers/netns.js';
import { snapshot } from '../appliers/root.js';

const HOST = uniqueName('n13h');
const GUEST = uniqueName('n13g');
const HOST_IF = uniqueName('n13v');
const SEED_MAC = 'fa:16:3e:5b:a1:0c';
const LINK = 'tapc8c3f2f8-5e';
const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };
const MARKER = '# Written by mdctl from network_data.json: replaced or removed by mdctl. Delete this line to keep the file as your own.';

const dir = mkdtempSync(join(tmpdir(), 'mdctl-network-e2e-'));
const root = join(dir, 'root');
const stateDir = join(dir, 'state');
const seed = join(NOVA_FIXTURES, 'seed-static', 'openstack', 'latest');
const metaData = JSON.parse(readFileSync(join(seed, 'meta_data.json'), 'utf8')) as Record<string, unknown>;
const networkData = readFileSync(join(seed, 'network_data.json'), 'utf8');
/** An image's own catch-all file, which mdctl must never touch. */
const GENERIC = '[Match]\nName=*\n\n[Network]\nDHCP=yes\n';

let drives = 0;

/** A config-drive tree (openstack/latest/...) for an instance; returns its directory. */
function drive(uuid: string, network: string): string {
  drives += 1;
  const top = join(dir, `drive-${drives}`);
  mkdirSync(join(top, 'openstack', 'latest'), { recursive: true });
  writeFileSync(join(top, 'openstack', 'latest', 'meta_data.json'), JSON.stringify({ ...metaData, uuid }));
  writeFileSync(join(top, 'openstack', 'latest', 'network_data.json'), network);
  return top;
}

/** `mdctl apply` inside the guest with a fresh cache (so the drive is read), the shared state dir and the renderer set. */
function apply(driveDir: string, renderer: string, only = 'network,routes', extra: string[] = []): Promise<CliResult> {
  const config = join(dir, `config-${renderer}.yaml`);
  writeFileSync(config, `network:\n  renderer: ${renderer}\n`);
  const cacheDir = mkdtempSync(join(dir, 'cache-'));
  const args = ['apply', '--source', `configdrive:${driveDir}`, '--root', root, '--live', '--only', only, '--cache-dir', cacheDir, '--state-dir', stateDir, '--config', config, ...extra];
  // A UTS namespace of its own: a run with the hostname applier sets the guest's running hostname, never the host's.
  return runCli(args, { wrap: wrapUts(GUEST), env: ENV, timeoutMs: 60_000 });
}

interface IpAddr {
  ifname: string;
  mtu: number;
  flags: string[];
  addr_info: { family: string; local: string; prefixlen: number }[];
}

async function eth0(): Promise<{ up: boolean; mtu: number; v4: string[] }> {
  const { stdout } = await exec(GUEST, ['ip', '-j', 'address', 'show', 'dev', 'eth0']);
  const [link] = JSON.parse(stdout) as IpAddr[];
  assert.ok(link !== undefined);
  return { up: link.flags.includes('UP'), mtu: link.mtu, v4: link.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`).sort() };
}

async function defaultRoute(): Promise<string> {
  const { stdout } = await exec(GUEST, ['ip', '-j', '-4', 'route', 'show', 'default']);
  const routes = JSON.parse(stdout) as { gateway?: string; dev: string }[];
  return routes.map((route) => `via ${route.gateway ?? '-'} dev ${route.dev}`).join(', ');
}

const networkd = (): string[] => (existsSync(join(root, 'etc/systemd/network')) ? readdirSync(join(root, 'etc/systemd/network')).sort() : []);
const nm = (): string[] => (existsSync(join(root, 'etc/NetworkManager/system-connections')) ? readdirSync(join(root, 'etc/NetworkManager/system-connections')).sort() : []);

const SEED_NETWORKD = [
  MARKER,
  '[Match]',
  `MACAddress=${SEED_MAC}`,
  'Type=ether',
  '',
  '[Link]',
  'MTUBytes=1450',
  '',
  '[Network]',
  'Address=192.168.0.233/24',
  'DNS=192.168.0.2',
  'DNS=192.168.0.4',
  '',
  '[Route]',
  'Gateway=192.168.0.1',
  '',
  '[Route]',
  'Destination=10.20.0.0/16',
  'Gateway=192.168.0.254',
  '',
  '[Route]',
  'Destination=172.31.5.0/24',
  'Gateway=192.168.0.253',
  '',
].join('\n');

const first = drive('795fed3a-431a-4b89-bd80-ffac22196e72', networkData);
const other = drive(
  '0c0ffee0-1111-4222-8333-444455556666',
  networkData.replaceAll(LINK, 'tap11112222-33').replace('"192.168.0.233"', '"192.168.0.240"').replace(/, \{"network": "172\.31\.5\.0"[^}]*\}/, ''),
);

before(async () => {
  await staticGuestNetwork({ host: HOST, guest: GUEST, hostIf: HOST_IF, guestMac: SEED_MAC });
  mkdirSync(join(root, 'etc/systemd/network'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/network/99-default.network'), GENERIC);
});

after(async () => {
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('--dry-run shows the file in full and the ip changes, and changes nothing', async () => {
  const before = snapshot(root);
  const result = await apply(first, 'networkd', 'network,routes', ['--dry-run']);
  assert.equal(result.status, 0, result.stderr);
  for (const line of [
    `  + ${root}/etc/systemd/network/10-mdctl-${LINK}.network: write 400 bytes, mode 0644`,
    `      + MACAddress=${SEED_MAC}`,
    '  ~ link eth0: set up',
    '  ~ mtu eth0: set to 1450',
    '  + address 192.168.0.233/24 dev eth0: add',
    '  + route default via 192.168.0.1 dev eth0: add',
  ]) {
    assert.ok(result.stdout.split('\n').includes(line), `${line} in\n${result.stdout}`);
  }
  assert.deepEqual(snapshot(root), before);
  assert.deepEqual(await eth0(), { up: false, mtu: 1500, v4: [] });
});

test('networkd: the interface gets the static address, MTU and default route live; the file is rendered', async () => {
  assert.deepEqual(await eth0(), { up: false, mtu: 1500, v4: [] });
  const result = await apply(first, 'networkd');
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(await eth0(), { up: true, mtu: 1450, v4: ['192.168.0.233/24'] });
  assert.equal(await defaultRoute(), 'via 192.168.0.1 dev eth0');
  assert.deepEqual(networkd(), [`10-mdctl-${LINK}.network`, '99-default.network']);
  assert.equal(readFileSync(join(root, `etc/systemd/network/10-mdctl-${LINK}.network`), 'utf8'), SEED_NETWORKD);
  assert.equal(readFileSync(join(root, 'etc/systemd/network/99-default.network'), 'utf8'), GENERIC);
  // The guest is on the network: the host side answers (a refused connection) over the new address.
  const script = "require('net').connect(9, '192.168.0.1').on('error', (e) => { console.log(e.code); }).setTimeout(5000, () => { console.log('timeout'); process.exit(); })";
  assert.equal((await exec(GUEST, [process.execPath, '-e', script])).stdout.trim(), 'ECONNREFUSED');
});

test('a second run plans only noops and rewrites nothing', async () => {
  const before = snapshot(root);
  const result = await apply(first, 'networkd');
  assert.equal(result.status, 0, result.stderr);
  const marks = result.stdout.split('\n').filter((line) => /^ {2}[-+~=] /.test(line)).map((line) => line.trim()[0]);
  assert.ok(marks.length >= 5, result.stdout);
  assert.deepEqual([...new Set(marks)], ['='], result.stdout);
  assert.deepEqual(snapshot(root), before);
  assert.deepEqual(await eth0(), { up: true, mtu: 1450, v4: ['192.168.0.233/24'] });
});

test('networkmanager: the keyfile replaces the networkd file; live stays as it is', async () => {
  const result = await apply(first, 'networkmanager');
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(networkd(), ['99-default.network']);
  assert.deepEqual(nm(), [`mdctl-${LINK}.nmconnection`]);
  const path = join(root, `etc/NetworkManager/system-connections/mdctl-${LINK}.nmconnection`);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.startsWith(`${MARKER}\n[connection]\n`), text);
  for (const line of ['type=ethernet', 'mac-address=FA:16:3E:5B:A1:0C', 'mtu=1450', 'method=manual', 'address1=192.168.0.233/24', 'gateway=192.168.0.1', 'route1=10.20.0.0/16,192.168.0.254', 'route2=172.31.5.0/24,192.168.0.253', 'dns=192.168.0.2;192.168.0.4;']) {
    assert.ok(text.split('\n').includes(line), `${line} in\n${text}`);
  }
  assert.deepEqual(await eth0(), { up: true, mtu: 1450, v4: ['192.168.0.233/24'] });
});

test('another instance replaces exactly what mdctl added; an address of someone else stays', async () => {
  await exec(GUEST, ['ip', 'address', 'add', '192.168.0.50/24', 'dev', 'eth0']);
  const result = await apply(other, 'networkmanager');
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(await eth0(), { up: true, mtu: 1450, v4: ['192.168.0.240/24', '192.168.0.50/24'] });
  assert.equal(await defaultRoute(), 'via 192.168.0.1 dev eth0');
  assert.deepEqual(nm(), ['mdctl-tap11112222-33.nmconnection']);
  assert.deepEqual(networkd(), ['99-default.network']);
  assert.equal(readFileSync(join(root, 'etc/systemd/network/99-default.network'), 'utf8'), GENERIC);
  assert.match(readFileSync(join(root, 'etc/NetworkManager/system-connections/mdctl-tap11112222-33.nmconnection'), 'utf8'), /^address1=192\.168\.0\.240\/24$/m);
});

test('bad values: exit 3 naming the network, the others applied, nothing of the network written', async () => {
  const bad = drive('0c0ffee0-1111-4222-8333-444455556666', readFileSync(join(other, 'openstack/latest/network_data.json'), 'utf8').replace('"192.168.0.240"', '"192.168.0.999"'));
  const before = snapshot(join(root, 'etc/NetworkManager'));
  const live = await eth0();
  const result = await apply(bad, 'networkmanager', 'hostname,network');
  assert.equal(result.status, 3, result.stdout);
  assert.match(result.stderr, /^mdctl: network: network "network0" refused: ip_address "192\.168\.0\.999" does not parse as an address; nothing of it is written$/m);
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  assert.deepEqual(snapshot(join(root, 'etc/NetworkManager')), before);
  assert.deepEqual(await eth0(), live);
});

test('a VLAN on the link: created live with its address and MTU where the kernel has VLANs, else one error naming it; rendered either way', async () => {
  const data = JSON.parse(readFileSync(join(other, 'openstack/latest/network_data.json'), 'utf8')) as { links: unknown[]; networks: unknown[] };
  data.links.push({ id: 'vlan42', type: 'vlan', vlan_link: 'tap11112222-33', vlan_id: 42, vlan_mac_address: SEED_MAC, mtu: 1400 });
  data.networks.push({ id: 'network1', type: 'ipv4', link: 'vlan42', ip_address: '10.42.0.5', netmask: '255.255.255.0', routes: [] });
  // The host side's VLAN says whether this kernel has 802.1Q (the CI kernel has not).
  const vlans = await exec(HOST, ['ip', 'link', 'add', 'link', HOST_IF, 'name', 'hv42', 'type', 'vlan', 'id', '42']).then(
    () => true,
    (error: Error) => {
      assert.match(error.message, /Unknown device type/);
      return false;
    },
  );
  const result = await apply(drive('0c0ffee0-1111-4222-8333-444455556666', JSON.stringify(data)), 'networkd');
  assert.deepEqual(networkd(), ['10-mdctl-tap11112222-33.network', '10-mdctl-vlan42.netdev', '10-mdctl-vlan42.network', '99-default.network']);
  assert.match(readFileSync(join(root, 'etc/systemd/network/10-mdctl-tap11112222-33.network'), 'utf8'), /^VLAN=vlan42$/m);
  assert.deepEqual(nm(), []);
  assert.deepEqual(await eth0(), { up: true, mtu: 1450, v4: ['192.168.0.240/24', '192.168.0.50/24'] });
  if (!vlans) {
    assert.equal(result.status, 3, result.stdout);
    assert.match(result.stderr, /^no cached metadata; fetching\nmdctl: network: link vlan42: "ip link add link eth0 name vlan42 type vlan id 42" failed: "Error: Unknown device type\."\n$/);
    return;
  }
  assert.equal(result.status, 0, result.stderr);
  await addAddr(HOST, 'hv42', '10.42.0.1/24');
  await exec(HOST, ['ip', 'link', 'set', 'hv42', 'up']);
  const { stdout } = await exec(GUEST, ['ip', '-d', '-j', 'address', 'show', 'dev', 'vlan42']);
  const [vlan] = JSON.parse(stdout) as (IpAddr & { linkinfo: { info_kind: string; info_data: { id: number } } })[];
  assert.equal(vlan?.linkinfo.info_kind, 'vlan');
  assert.equal(vlan?.linkinfo.info_data.id, 42);
  assert.equal(vlan?.mtu, 1400);
  assert.deepEqual(vlan?.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), ['10.42.0.5/24']);
  const script = "require('net').connect(9, '10.42.0.1').on('error', (e) => { console.log(e.code); }).setTimeout(5000, () => { console.log('timeout'); process.exit(); })";
  assert.equal((await exec(GUEST, [process.execPath, '-e', script])).stdout.trim(), 'ECONNREFUSED');
});

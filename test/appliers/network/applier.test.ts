// The network applier under a temp root with an in-memory address table: files mdctl owns, others' never touched, live addresses added and removed only when mdctl's.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NO_ADDRESSES, networkApplier, type NetworkMemory } from '../../../src/appliers/network/applier.js';
import type { RendererSetting } from '../../../src/appliers/network/detect.js';
import { MARKER } from '../../../src/appliers/network/render.js';
import { applyPlanned, planAppliers, rememberedState, type ApplierRun } from '../../../src/appliers/runner.js';
import { writeState } from '../../../src/appliers/state.js';
import type { AddressTable, LiveAddress, LiveInterface } from '../../../src/system/ipaddr.js';
import { SEED_MAC, bondedVlan, seedStatic } from '../../model/network-samples.js';
import { doc, makeRoot, removeRoots, snapshot } from '../root.js';

after(removeRoots);

const NETWORKD = '/etc/systemd/network';
const NM = '/etc/NetworkManager/system-connections';
const SEED_FILE = `${NETWORKD}/10-mdctl-tapc8c3f2f8-5e.network`;

/** A machine's interfaces in memory; every change is logged. */
function memoryTable(interfaces: LiveInterface[], metadata: { dev: string; source: string } | null = null): AddressTable & { log: string[] } {
  const log: string[] = [];
  const find = (dev: string): LiveInterface => {
    const found = interfaces.find((candidate) => candidate.name === dev);
    if (found === undefined) throw new Error(`no ${dev}`);
    return found;
  };
  const same = (a: LiveAddress, b: LiveAddress): boolean => a.address === b.address && a.prefix === b.prefix;
  return {
    log,
    interfaces: () => Promise.resolve(structuredClone(interfaces)),
    add: (dev, address) => {
      log.push(`add ${address.address}/${address.prefix} ${dev}`);
      find(dev).addresses.push(address);
      return Promise.resolve();
    },
    remove: (dev, address) => {
      log.push(`del ${address.address}/${address.prefix} ${dev}`);
      const here = find(dev);
      here.addresses = here.addresses.filter((other) => !same(other, address));
      return Promise.resolve();
    },
    setMtu: (dev, mtu) => {
      log.push(`mtu ${mtu} ${dev}`);
      find(dev).mtu = mtu;
      return Promise.resolve();
    },
    setUp: (dev) => {
      log.push(`up ${dev}`);
      find(dev).up = true;
      return Promise.resolve();
    },
    addVlan: (dev, parent, id) => {
      log.push(`vlan ${id} ${dev} on ${parent}`);
      interfaces.push({ name: dev, mac: find(parent).mac, kind: 'vlan', mtu: find(parent).mtu, up: false, addresses: [] });
      return Promise.resolve();
    },
    removeLink: (dev) => {
      log.push(`del link ${dev}`);
      interfaces.splice(interfaces.indexOf(find(dev)), 1);
      return Promise.resolve();
    },
    metadataRoute: () => Promise.resolve(metadata),
  };
}

function eth0(addresses: string[] = []): LiveInterface {
  return {
    name: 'eth0',
    mac: SEED_MAC,
    mtu: 1500,
    up: false,
    addresses: addresses.map((cidr) => ({ family: cidr.includes(':') ? 6 : 4, address: cidr.split('/')[0]!, prefix: Number(cidr.split('/')[1]) })),
  };
}

interface Options {
  root: string;
  renderer?: RendererSetting;
  live?: boolean;
  dryRun?: boolean;
  table?: AddressTable;
  previous?: unknown;
  stateDir?: string;
  instanceId?: string;
}

async function runNetwork(networkData: Record<string, unknown> | null, options: Options): Promise<{ run: ApplierRun; state: NetworkMemory | undefined }> {
  const applier = networkApplier({ renderer: options.renderer ?? 'networkd', addresses: options.table ?? NO_ADDRESSES, ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }) });
  const document = doc({ instance_id: options.instanceId ?? 'i-1', openstack: { meta_data: {}, network_data: networkData, vendor_data: null, vendor_data2: null } });
  const [run] = await planAppliers([applier], document, { root: options.root, live: options.live ?? false, dryRun: options.dryRun ?? false, user: undefined }, { network: options.previous });
  assert.ok(run !== undefined);
  await applyPlanned([run]);
  const state = options.dryRun === true ? undefined : (rememberedState([run], {}).network as NetworkMemory | undefined);
  return { run, state };
}

const summary = (run: ApplierRun): string[] => run.changes.map((change) => `${change.action} ${change.target.replace(/^\/tmp\/[^/]+/, '')}${change.skipped === undefined ? '' : ` (${change.skipped})`}`);

test('renders the files, then a second run plans only noops and keeps bytes and mtimes', async () => {
  const root = makeRoot();
  const first = await runNetwork(seedStatic(), { root });
  assert.deepEqual(first.run.errors, []);
  assert.deepEqual(summary(first.run), [`create ${SEED_FILE}`, 'create address 192.168.0.233/24 (not live)']);
  assert.equal(statSync(join(root, SEED_FILE)).mode & 0o777, 0o644);
  assert.ok(readFileSync(join(root, SEED_FILE), 'utf8').startsWith(`${MARKER}\n[Match]\nMACAddress=${SEED_MAC}\nType=ether\n`));
  const before = snapshot(root);
  const second = await runNetwork(seedStatic(), { root, previous: first.state });
  assert.deepEqual(summary(second.run), [`noop ${SEED_FILE}`, 'create address 192.168.0.233/24 (not live)']);
  assert.deepEqual(snapshot(root), before);
  assert.deepEqual(second.state?.files, [SEED_FILE]);
});

test('an update shows the lines that change, as a diff', async () => {
  const root = makeRoot();
  await runNetwork(seedStatic(), { root });
  const changed = seedStatic();
  ((changed.links as Record<string, unknown>[])[0]!).mtu = 9000;
  const { run } = await runNetwork(changed, { root, dryRun: true });
  const update = run.changes.find((change) => change.target.endsWith(SEED_FILE));
  assert.equal(update?.action, 'update');
  assert.equal(update?.before, 'MTUBytes=1450');
  assert.equal(update?.after, 'MTUBytes=9000');
  assert.match(readFileSync(join(root, SEED_FILE), 'utf8'), /MTUBytes=1450/, 'a dry run writes nothing');
});

test('files of others are never touched: one at mdctl\'s name is refused, a catch-all file is kept', async () => {
  const mine = `${MARKER}\nold\n`;
  const root = makeRoot({ [SEED_FILE]: '[Match]\nName=eth0\n', [`${NETWORKD}/99-default.network`]: '[Match]\nName=*\n', [`${NETWORKD}/10-mdctl-gone.network`]: '# not ours\n' });
  writeFileSync(join(root, `${NETWORKD}/10-mdctl-old.network`), mine);
  const before = snapshot(root);
  const { run } = await runNetwork(seedStatic(), { root });
  assert.match(run.errors.join('\n'), /10-mdctl-tapc8c3f2f8-5e\.network" is not mdctl's \(no marker line\); left alone, link "tapc8c3f2f8-5e" not rendered/);
  assert.deepEqual(summary(run), [`delete ${NETWORKD}/10-mdctl-old.network`, 'create address 192.168.0.233/24 (not live)']);
  const after = snapshot(root);
  for (const name of ['10-mdctl-tapc8c3f2f8-5e.network', '99-default.network', '10-mdctl-gone.network']) assert.equal(after[`${NETWORKD}/${name}`], before[`${NETWORKD}/${name}`], name);
  assert.deepEqual(readdirSync(join(root, NETWORKD)).sort(), ['10-mdctl-gone.network', '10-mdctl-tapc8c3f2f8-5e.network', '99-default.network']);
});

test('a network that leaves takes its file with it; another renderer replaces the files; none removes them', async () => {
  const root = makeRoot();
  await runNetwork(bondedVlan(), { root });
  assert.deepEqual(readdirSync(join(root, NETWORKD)).length, 6);
  const fewer = bondedVlan();
  fewer.networks = (fewer.networks as Record<string, unknown>[]).filter((network) => network.id !== 'public-ipv4');
  fewer.links = (fewer.links as Record<string, unknown>[]).filter((link) => link.id !== 'vlan0');
  await runNetwork(fewer, { root });
  assert.deepEqual(readdirSync(join(root, NETWORKD)).sort(), ['10-mdctl-bond0.netdev', '10-mdctl-bond0.network', '10-mdctl-eth0.network', '10-mdctl-eth1.network']);
  assert.ok(!readFileSync(join(root, `${NETWORKD}/10-mdctl-bond0.network`), 'utf8').includes('VLAN='));
  await runNetwork(fewer, { root, renderer: 'networkmanager' });
  assert.deepEqual(readdirSync(join(root, NETWORKD)), []);
  assert.deepEqual(readdirSync(join(root, NM)).sort(), ['mdctl-bond0.nmconnection', 'mdctl-eth0.nmconnection', 'mdctl-eth1.nmconnection']);
  await runNetwork(fewer, { root, renderer: 'none' });
  assert.deepEqual(readdirSync(join(root, NM)), []);
});

test('auto renders for what the image enables: NetworkManager, else networkd, else nothing with a warning', async () => {
  const wants = '/etc/systemd/system/multi-user.target.wants';
  const neither = makeRoot();
  const none = await runNetwork(seedStatic(), { root: neither, renderer: 'auto' });
  assert.deepEqual(none.run.warnings, ['no network files rendered: neither NetworkManager.service nor systemd-networkd.service is enabled in the image']);
  assert.deepEqual(summary(none.run), ['create address 192.168.0.233/24 (not live)']);
  for (const [units, directory] of [[['systemd-networkd.service'], NETWORKD], [['systemd-networkd.service', 'NetworkManager.service'], NM]] as const) {
    const root = makeRoot();
    mkdirSync(join(root, wants), { recursive: true });
    for (const unit of units) symlinkSync(`/lib/systemd/system/${unit}`, join(root, wants, unit));
    const { run } = await runNetwork(seedStatic(), { root, renderer: 'auto' });
    assert.deepEqual(run.warnings, []);
    assert.ok(run.changes[0]?.target.startsWith(join(root, directory)), `${units.join(' ')}: ${run.changes[0]?.target}`);
  }
});

test('a bad value fails the applier naming the network; its link\'s file is left as it was; nothing of it goes live', async () => {
  const root = makeRoot();
  const table = memoryTable([eth0()]);
  const good = await runNetwork(seedStatic(), { root, live: true, table });
  assert.deepEqual(good.run.errors, []);
  const before = snapshot(root);
  const bad = seedStatic();
  ((bad.networks as Record<string, unknown>[])[0]!).ip_address = '192.168.0.300';
  const { run, state } = await runNetwork(bad, { root, live: true, table, previous: good.state });
  assert.deepEqual(run.errors, ['network "network0" refused: ip_address "192.168.0.300" does not parse as an address; nothing of it is written']);
  assert.deepEqual(snapshot(root), before);
  assert.deepEqual(table.log, ['up eth0', 'mtu 1450 eth0', 'add 192.168.0.233/24 eth0']);
  assert.deepEqual(state?.addresses.map((address) => address.address), ['192.168.0.233']);
});

test('live: link up, MTU and addresses; then only mdctl\'s addresses that left are removed', async () => {
  const root = makeRoot();
  const table = memoryTable([eth0(['192.168.0.50/24', 'fe80::f816:3eff:fe5b:a10c/64'])]);
  const first = await runNetwork(seedStatic(), { root, live: true, table });
  assert.deepEqual(table.log, ['up eth0', 'mtu 1450 eth0', 'add 192.168.0.233/24 eth0']);
  assert.deepEqual(first.state?.addresses, [{ family: 4, address: '192.168.0.233', prefix: 24, mac: SEED_MAC, dev: 'eth0' }]);
  const again = await runNetwork(seedStatic(), { root, live: true, table, previous: first.state });
  assert.deepEqual(summary(again.run), [`noop ${SEED_FILE}`, 'noop address 192.168.0.233/24 dev eth0']);
  const moved = seedStatic();
  ((moved.networks as Record<string, unknown>[])[0]!).ip_address = '192.168.0.240';
  const third = await runNetwork(moved, { root, live: true, table, previous: again.state });
  assert.deepEqual(table.log.slice(3), ['add 192.168.0.240/24 eth0', 'del 192.168.0.233/24 eth0']);
  assert.deepEqual(third.state?.addresses.map((address) => address.address), ['192.168.0.240']);
  // 192.168.0.50 was never mdctl's: no run removes it.
  assert.ok((await table.interfaces())[0]?.addresses.some((address) => address.address === '192.168.0.50'));
});

test('live: the address the metadata route uses is kept unless a new one of its subnet takes over', async () => {
  const root = makeRoot();
  const previous: NetworkMemory = { recorded_at: '2026-01-01T00:00:00.000Z', files: [], addresses: [{ family: 4, address: '10.0.0.5', prefix: 24, mac: SEED_MAC, dev: 'eth0' }] };
  const table = memoryTable([{ ...eth0(['10.0.0.5/24']), up: true, mtu: 1450 }], { dev: 'eth0', source: '10.0.0.5' });
  const { run, state } = await runNetwork(seedStatic(), { root, live: true, table, previous });
  assert.deepEqual(run.warnings, ['address "10.0.0.5/24" on eth0 left the metadata but is kept: the route to the metadata service uses it']);
  assert.ok(!table.log.some((line) => line.startsWith('del')));
  assert.deepEqual(state?.addresses.map((address) => address.address).sort(), ['10.0.0.5', '192.168.0.233']);
  const sameSubnet = memoryTable([{ ...eth0(['192.168.0.9/24']), up: true, mtu: 1450 }], { dev: 'eth0', source: '192.168.0.9' });
  const owned: NetworkMemory = { ...previous, addresses: [{ family: 4, address: '192.168.0.9', prefix: 24, mac: SEED_MAC, dev: 'eth0' }] };
  await runNetwork(seedStatic(), { root, live: true, table: sameSubnet, previous: owned });
  assert.deepEqual(sameSubnet.log, ['add 192.168.0.233/24 eth0', 'del 192.168.0.9/24 eth0']);
});

test('live: a MAC with no interface is skipped with a warning; bonds are left to the network manager, and VLANs on them', async () => {
  const root = makeRoot();
  const table = memoryTable([{ name: 'lo', mac: '00:00:00:00:00:00', mtu: 65536, up: true, addresses: [] }]);
  const seed = await runNetwork(seedStatic(), { root, live: true, table });
  assert.deepEqual(seed.run.warnings, [`link "tapc8c3f2f8-5e" skipped live: no interface has MAC "${SEED_MAC}"`]);
  const bonded = await runNetwork(bondedVlan(), { root: makeRoot(), live: true, table });
  assert.deepEqual(
    bonded.run.changes.filter((change) => change.skipped !== undefined).map((change) => `${change.target}: ${change.skipped}`),
    ['link bond0: bond devices are created by the network manager from the rendered files', 'link vlan0: its parent link "bond0" has no interface here'],
  );
  assert.deepEqual(table.log, []);
});

/** seed-static plus VLAN 42 on its link, with 10.42.0.5/24. */
function seedWithVlan(): Record<string, unknown> {
  const data = seedStatic();
  (data.links as unknown[]).push({ id: 'vlan42', type: 'vlan', vlan_link: 'tapc8c3f2f8-5e', vlan_id: 42, vlan_mac_address: SEED_MAC, mtu: 1400 });
  (data.networks as unknown[]).push({ id: 'network1', type: 'ipv4', link: 'vlan42', ip_address: '10.42.0.5', netmask: '255.255.255.0', routes: [] });
  return data;
}

test('live: a VLAN is created on its parent\'s interface with its MTU and address; it goes when it leaves the metadata', async () => {
  const root = makeRoot();
  const table = memoryTable([eth0()]);
  const first = await runNetwork(seedWithVlan(), { root, live: true, table });
  assert.deepEqual(first.run.errors, []);
  assert.deepEqual(table.log, ['up eth0', 'mtu 1450 eth0', 'add 192.168.0.233/24 eth0', 'vlan 42 vlan42 on eth0', 'mtu 1400 vlan42', 'up vlan42', 'add 10.42.0.5/24 vlan42']);
  assert.equal(first.run.changes.find((change) => change.target === 'link vlan42')?.after, 'vlan42: vlan 42 on eth0, mtu 1400, up\n10.42.0.5/24');
  assert.deepEqual(first.state?.vlans, [{ dev: 'vlan42', id: 42 }]);
  assert.deepEqual(first.state?.addresses.map((address) => `${address.address} ${address.mac ?? address.dev}`), [`192.168.0.233 ${SEED_MAC}`, '10.42.0.5 vlan42']);
  const again = await runNetwork(seedWithVlan(), { root, live: true, table, previous: first.state });
  assert.deepEqual(again.run.changes.filter((change) => change.action !== 'noop'), []);
  assert.equal(table.log.length, 7);
  const gone = await runNetwork(seedStatic(), { root, live: true, table, previous: again.state });
  assert.deepEqual(gone.run.errors, []);
  assert.deepEqual(table.log.slice(7), ['del 10.42.0.5/24 vlan42', 'del link vlan42']);
  assert.deepEqual(gone.state?.vlans, []);
  assert.deepEqual(gone.state?.addresses.map((address) => address.address), ['192.168.0.233']);
  assert.deepEqual(readdirSync(join(root, NETWORKD)), ['10-mdctl-tapc8c3f2f8-5e.network']);
});

test('live: a VLAN device of someone else is never removed', async () => {
  const table = memoryTable([{ ...eth0(['192.168.0.233/24']), up: true, mtu: 1450 }, { name: 'vlan42', mac: SEED_MAC, kind: 'vlan', mtu: 1500, up: true, addresses: [] }]);
  const { run } = await runNetwork(seedStatic(), { root: makeRoot(), live: true, table, previous: { recorded_at: '2026-01-01T00:00:00.000Z', files: [], addresses: [] } });
  assert.deepEqual(run.changes.filter((change) => change.action !== 'noop' && !change.target.startsWith('/')), []);
  assert.deepEqual(table.log, []);
});

test('a dry run changes nothing, live or on disk', async () => {
  const root = makeRoot();
  const table = memoryTable([eth0()]);
  const { run } = await runNetwork(seedStatic(), { root, live: true, table, dryRun: true });
  assert.deepEqual(run.results.map((result) => result.status), ['dry-run', 'dry-run', 'dry-run', 'dry-run']);
  assert.deepEqual(table.log, []);
  assert.deepEqual(readdirSync(root), []);
});

test('a new instance takes over what the last one added (the newest record in the state dir)', async () => {
  const root = makeRoot();
  const stateDir = makeRoot();
  const table = memoryTable([eth0()]);
  const old = await runNetwork(seedStatic(), { root, live: true, table, stateDir, instanceId: 'old' });
  await writeState(stateDir, 'old', { network: old.state });
  const moved = seedStatic();
  ((moved.networks as Record<string, unknown>[])[0]!).ip_address = '192.168.0.240';
  const { state } = await runNetwork(moved, { root, live: true, table, stateDir, instanceId: 'new' });
  assert.deepEqual(table.log.slice(3), ['add 192.168.0.240/24 eth0', 'del 192.168.0.233/24 eth0']);
  assert.deepEqual(state?.addresses.map((address) => address.address), ['192.168.0.240']);
});

test('no network data (EC2, older versions): nothing planned and nothing forgotten', async () => {
  const root = makeRoot({ [SEED_FILE]: `${MARKER}\n` });
  const { run, state } = await runNetwork(null, { root, live: true, table: memoryTable([eth0(['192.168.0.233/24'])]), previous: { recorded_at: 'x', files: [], addresses: [] } });
  assert.deepEqual(run.changes, []);
  assert.equal(state, undefined);
  assert.equal(readFileSync(join(root, SEED_FILE), 'utf8'), `${MARKER}\n`);
});

// The networkd and NetworkManager renderers: every network type, physical/VLAN/bond links, Nova's IPv6 netmasks, matching by MAC, marker and modes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkdRenderer } from '../../../src/appliers/network/networkd.js';
import { networkManagerRenderer } from '../../../src/appliers/network/networkmanager.js';
import { MARKER, profileUuid, type RenderedFile } from '../../../src/appliers/network/render.js';
import { RENDERERS } from '../../../src/appliers/network/renderers.js';
import { DYNAMIC_NETWORK_TYPES, readNetworkLayout } from '../../../src/model/network-layout.js';
import { SEED_MAC, bondedVlan, oneNetwork, seedDhcp, seedStatic } from '../../model/network-samples.js';

function files(renderer: typeof networkdRenderer, data: Record<string, unknown>): Map<string, RenderedFile> {
  const layout = readNetworkLayout(data);
  assert.deepEqual(layout.problems, []);
  return new Map(renderer.render(layout).map((file) => [file.path.slice(file.path.lastIndexOf('/') + 1), file]));
}

function lines(file: RenderedFile | undefined): string[] {
  assert.ok(file !== undefined, 'the file is rendered');
  return file.content.split('\n');
}

test('networkd, seed-static: one .network matched by MAC and Type=ether, address, MTU, routes, DNS', () => {
  const rendered = files(networkdRenderer, seedStatic());
  assert.deepEqual([...rendered.keys()], ['10-mdctl-tapc8c3f2f8-5e.network']);
  const file = rendered.get('10-mdctl-tapc8c3f2f8-5e.network');
  assert.equal(file?.path, '/etc/systemd/network/10-mdctl-tapc8c3f2f8-5e.network');
  assert.equal(file?.mode, 0o644);
  assert.equal(
    file?.content,
    `${MARKER}\n[Match]\nMACAddress=${SEED_MAC}\nType=ether\n\n[Link]\nMTUBytes=1450\n\n[Network]\nAddress=192.168.0.233/24\nDNS=192.168.0.2\nDNS=192.168.0.4\n\n` +
      '[Route]\nGateway=192.168.0.1\n\n[Route]\nDestination=10.20.0.0/16\nGateway=192.168.0.254\n\n[Route]\nDestination=172.31.5.0/24\nGateway=192.168.0.253\n',
  );
});

test('NetworkManager, seed-static: an ethernet profile bound by mac-address, mode 0600, above generic profiles', () => {
  const rendered = files(networkManagerRenderer, seedStatic());
  const file = rendered.get('mdctl-tapc8c3f2f8-5e.nmconnection');
  assert.equal(file?.path, '/etc/NetworkManager/system-connections/mdctl-tapc8c3f2f8-5e.nmconnection');
  assert.equal(file?.mode, 0o600);
  const text = lines(file);
  assert.equal(text[0], MARKER);
  assert.equal(text[1], '[connection]');
  for (const line of ['type=ethernet', 'autoconnect-priority=100', 'mac-address=FA:16:3E:5B:A1:0C', 'mtu=1450', 'method=manual', 'address1=192.168.0.233/24', 'gateway=192.168.0.1', 'route1=10.20.0.0/16,192.168.0.254', 'route2=172.31.5.0/24,192.168.0.253', 'dns=192.168.0.2;192.168.0.4;', 'method=ignore']) {
    assert.ok(text.includes(line), line);
  }
  assert.ok(!text.some((line) => line.startsWith('interface-name=')), 'matched by MAC, not by a name');
});

test('seed-dhcp: DHCP rendered as such, no address; MTU null gives no MTU line', () => {
  const networkd = lines(files(networkdRenderer, seedDhcp()).get('10-mdctl-tapc8c3f2f8-5e.network'));
  assert.ok(networkd.includes('DHCP=ipv4'));
  assert.ok(!networkd.some((line) => line.startsWith('Address=') || line.startsWith('MTUBytes=')));
  const nm = lines(files(networkManagerRenderer, seedDhcp()).get('mdctl-tapc8c3f2f8-5e.nmconnection'));
  assert.deepEqual(nm.slice(nm.indexOf('[ipv4]'), nm.indexOf('[ipv4]') + 3), ['[ipv4]', 'method=auto', 'dns=192.168.0.2;']);
  assert.ok(!nm.some((line) => line.startsWith('address1=') || line.startsWith('mtu=')));
});

test('every dynamic network type: the OS client does it, no static address anywhere', () => {
  const expected: Record<string, { networkd: string[]; ipv4: string; ipv6: string }> = {
    ipv4_dhcp: { networkd: ['DHCP=ipv4'], ipv4: 'auto', ipv6: 'ignore' },
    ipv6_dhcp: { networkd: ['DHCP=ipv6', 'IPv6AcceptRA=yes'], ipv4: 'disabled', ipv6: 'auto' },
    ipv6_slaac: { networkd: ['IPv6AcceptRA=yes'], ipv4: 'disabled', ipv6: 'auto' },
    'ipv6_dhcpv6-stateful': { networkd: ['DHCP=ipv6', 'IPv6AcceptRA=yes'], ipv4: 'disabled', ipv6: 'auto' },
    'ipv6_dhcpv6-stateless': { networkd: ['IPv6AcceptRA=yes'], ipv4: 'disabled', ipv6: 'auto' },
  };
  for (const type of DYNAMIC_NETWORK_TYPES) {
    const want = expected[type];
    assert.ok(want !== undefined, type);
    const networkd = lines(files(networkdRenderer, oneNetwork(type)).get('10-mdctl-tap0.network'));
    for (const line of want.networkd) assert.ok(networkd.includes(line), `${type}: ${line}`);
    assert.ok(!networkd.some((line) => /^(Address|Gateway|Destination)=/.test(line)), type);
    if (!want.networkd.some((line) => line.startsWith('DHCP='))) assert.ok(!networkd.some((line) => line.startsWith('DHCP=')), type);
    const nm = lines(files(networkManagerRenderer, oneNetwork(type)).get('mdctl-tap0.nmconnection'));
    assert.equal(nm[nm.indexOf('[ipv4]') + 1], `method=${want.ipv4}`, type);
    assert.equal(nm[nm.indexOf('[ipv6]') + 1], `method=${want.ipv6}`, type);
    assert.ok(!nm.some((line) => /^(address|gateway|route)\d*=/.test(line)), type);
  }
});

test('static IPv6 with a Nova netmask: address/64, gateway, router advertisements off', () => {
  const networkd = lines(files(networkdRenderer, oneNetwork('ipv6')).get('10-mdctl-tap0.network'));
  for (const line of ['IPv6AcceptRA=no', 'Address=2001:db8:0:1::10/64', 'Gateway=2001:db8:0:1::1']) assert.ok(networkd.includes(line), line);
  const nm = lines(files(networkManagerRenderer, oneNetwork('ipv6')).get('mdctl-tap0.nmconnection'));
  const v6 = nm.slice(nm.indexOf('[ipv6]'));
  assert.deepEqual(v6.slice(0, 4), ['[ipv6]', 'method=manual', 'address1=2001:db8:0:1::10/64', 'gateway=2001:db8:0:1::1']);
  assert.equal(nm[nm.indexOf('[ipv4]') + 1], 'method=disabled');
});

test('networkd, bond and VLAN: members by permanent MAC, .netdev for the bond and the VLAN, each .network by name', () => {
  const rendered = files(networkdRenderer, bondedVlan());
  assert.deepEqual([...rendered.keys()].sort(), [
    '10-mdctl-bond0.netdev',
    '10-mdctl-bond0.network',
    '10-mdctl-eth0.network',
    '10-mdctl-eth1.network',
    '10-mdctl-vlan0.netdev',
    '10-mdctl-vlan0.network',
  ]);
  assert.deepEqual(lines(rendered.get('10-mdctl-eth0.network')).slice(1), ['[Match]', 'PermanentMACAddress=52:54:00:12:34:01', 'Type=ether', '', '[Link]', 'MTUBytes=9000', '', '[Network]', 'Bond=bond0', '']);
  assert.deepEqual(lines(rendered.get('10-mdctl-bond0.netdev')).slice(1), [
    '[NetDev]',
    'Name=bond0',
    'Kind=bond',
    'MACAddress=52:54:00:12:34:01',
    'MTUBytes=9000',
    '',
    '[Bond]',
    'Mode=802.3ad',
    'TransmitHashPolicy=layer3+4',
    'MIIMonitorSec=100ms',
    '',
  ]);
  assert.deepEqual(lines(rendered.get('10-mdctl-vlan0.netdev')).slice(1), ['[NetDev]', 'Name=vlan0', 'Kind=vlan', '', '[VLAN]', 'Id=101', '']);
  const bond = lines(rendered.get('10-mdctl-bond0.network'));
  for (const line of ['Name=bond0', 'IPv6AcceptRA=no', 'Address=2001:cdba::3257:9652/64', 'VLAN=vlan0', 'Gateway=fe80::1', 'DNS=2001:4860:4860::8888']) assert.ok(bond.includes(line), line);
  assert.ok(!bond.some((line) => line.startsWith('MACAddress=')), 'the bond is matched by name: its MAC is its first member\'s');
  const vlan = lines(rendered.get('10-mdctl-vlan0.network'));
  for (const line of ['Name=vlan0', 'Address=23.253.157.244/24', 'Gateway=23.253.157.1', 'DNS=69.20.0.164']) assert.ok(vlan.includes(line), line);
});

test('NetworkManager, bond and VLAN: members enslaved by UUID, the VLAN on the bond\'s profile, ethernet ones by MAC', () => {
  const rendered = files(networkManagerRenderer, bondedVlan());
  const layout = readNetworkLayout(bondedVlan());
  const uuid = (id: string): string => profileUuid(layout.links.find((link) => link.id === id)!);
  const eth0 = lines(rendered.get('mdctl-eth0.nmconnection'));
  for (const line of ['type=ethernet', `master=${uuid('bond0')}`, 'slave-type=bond', 'mac-address=52:54:00:12:34:01']) assert.ok(eth0.includes(line), line);
  assert.ok(!eth0.includes('[ipv4]'), 'a bond member has no IP settings');
  const bond = lines(rendered.get('mdctl-bond0.nmconnection'));
  for (const line of ['type=bond', 'interface-name=bond0', 'mode=802.3ad', 'miimon=100', 'xmit_hash_policy=layer3+4', 'address1=2001:cdba::3257:9652/64']) assert.ok(bond.includes(line), line);
  const vlan = lines(rendered.get('mdctl-vlan0.nmconnection'));
  for (const line of ['type=vlan', 'interface-name=vlan0', 'id=101', `parent=${uuid('bond0')}`, 'address1=23.253.157.244/24', 'gateway=23.253.157.1']) assert.ok(vlan.includes(line), line);
  for (const text of [bond, vlan]) assert.ok(!text.some((line) => line.startsWith('mac-address=')), 'VLAN and bond profiles do not match the shared MAC');
  for (const file of rendered.values()) assert.equal(file.mode, 0o600);
  assert.equal(new Set([...rendered.values()].map((file) => /^uuid=(.*)$/m.exec(file.content)?.[1])).size, 4);
});

test('names: mdctl\'s shapes, unique, sorting before the usual catch-all files; an odd link id is hashed', () => {
  for (const renderer of Object.values(RENDERERS)) {
    const rendered = renderer.render(readNetworkLayout(bondedVlan()));
    for (const file of rendered) {
      const name = file.path.slice(file.path.lastIndexOf('/') + 1);
      assert.ok(renderer.ownsName(name), name);
      assert.equal(file.path, `${renderer.directory}/${name}`);
      assert.ok(file.content.startsWith(`${MARKER}\n`));
    }
    assert.equal(new Set(rendered.map((file) => file.path)).size, rendered.length);
  }
  for (const other of ['10-netplan-eth0.network', '20-wired.network', '50-cloud-init.network', '99-default.network', '80-dhcp.network']) {
    assert.ok('10-mdctl-tap0.network' < other, other);
  }
  assert.ok(!networkdRenderer.ownsName('99-default.network'));
  const odd = oneNetwork('ipv4');
  (odd.links as Record<string, unknown>[])[0]!.id = '../../etc/passwd';
  (odd.networks as Record<string, unknown>[])[0]!.link = '../../etc/passwd';
  const [file] = networkdRenderer.render(readNetworkLayout(odd));
  assert.match(file?.path ?? '', /^\/etc\/systemd\/network\/10-mdctl-link-[0-9a-f]{12}\.network$/);
});

test('links without a network and not under one get no file; search domains are rendered', () => {
  const data = seedStatic();
  (data.links as unknown[]).push({ id: 'spare', type: 'phy', ethernet_mac_address: '52:54:00:00:00:99' });
  ((data.networks as Record<string, unknown>[])[0]!).dns_search = ['example.com', 'lab.example.com'];
  assert.deepEqual([...files(networkdRenderer, data).keys()], ['10-mdctl-tapc8c3f2f8-5e.network']);
  assert.ok(lines(files(networkdRenderer, data).get('10-mdctl-tapc8c3f2f8-5e.network')).includes('Domains=example.com lab.example.com'));
  assert.ok(lines(files(networkManagerRenderer, data).get('mdctl-tapc8c3f2f8-5e.nmconnection')).includes('dns-search=example.com;lab.example.com;'));
});

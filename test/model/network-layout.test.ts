// network_data.json -> the network layout: links by kind, static addresses and routes checked, dynamic networks never static, bad values refused by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DYNAMIC_NETWORK_TYPES, PHYSICAL_LINK_TYPES, readNetworkLayout } from '../../src/model/network-layout.js';
import { SEED_MAC, bondedVlan, oneNetwork, seedStatic } from './network-samples.js';

test('seed-static: an ovs link is physical, matched by its MAC; the address, prefix, routes and DNS are read', () => {
  const layout = readNetworkLayout(seedStatic());
  assert.deepEqual(layout.problems, []);
  assert.deepEqual(layout.links, [{ id: 'tapc8c3f2f8-5e', kind: 'physical', type: 'ovs', mac: SEED_MAC, mtu: 1450, device: null }]);
  const [network] = layout.networks;
  assert.deepEqual(network?.address, { family: 4, address: '192.168.0.233', prefix: 24 });
  assert.deepEqual(
    network?.routes.map((route) => `${route.destination} via ${route.gateway}`),
    ['0.0.0.0/0 via 192.168.0.1', '10.20.0.0/16 via 192.168.0.254', '172.31.5.0/24 via 192.168.0.253'],
  );
  assert.deepEqual(network?.dns, ['192.168.0.2', '192.168.0.4']);
  assert.deepEqual(layout.dns, ['192.168.0.2', '192.168.0.4']);
});

test('every physical type of cloud-init is physical; vlan and bond are their own kinds', () => {
  for (const type of [...PHYSICAL_LINK_TYPES, null]) {
    const data = oneNetwork('ipv4');
    (data.links as Record<string, unknown>[])[0]!.type = type;
    assert.equal(readNetworkLayout(data).links[0]?.kind, 'physical', String(type));
  }
  const layout = readNetworkLayout(bondedVlan());
  assert.deepEqual(layout.problems, []);
  const byId = Object.fromEntries(layout.links.map((link) => [link.id, link]));
  assert.deepEqual(byId.bond0?.bond, { members: ['eth0', 'eth1'], mode: '802.3ad', miimon: 100, hashPolicy: 'layer3+4' });
  assert.equal(byId.bond0?.device, 'bond0');
  assert.deepEqual(byId.vlan0?.vlan, { id: 101, parent: 'bond0' });
  assert.equal(byId.vlan0?.device, 'vlan0');
  assert.equal(byId.eth0?.bondedTo, 'bond0');
  assert.equal(byId.eth1?.bondedTo, 'bond0');
  assert.equal(byId.eth0?.device, null);
});

test('IPv6 netmasks as Nova writes them become prefixes; addresses are canonical', () => {
  for (const [netmask, prefix] of [['ffff:ffff:ffff:ffff::', 64], ['ffff:ffff:ffff:ff00::', 56], ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0', 124], ['64', 64]] as const) {
    const layout = readNetworkLayout(oneNetwork('ipv6', { netmask, ip_address: '2001:DB8:0:1:0:0:0:10', routes: [] }));
    assert.deepEqual(layout.problems, [], netmask);
    assert.deepEqual(layout.networks[0]?.address, { family: 6, address: '2001:db8:0:1::10', prefix });
  }
});

test('DHCP, SLAAC and DHCPv6 networks are never given static addresses or routes', () => {
  for (const type of DYNAMIC_NETWORK_TYPES) {
    const layout = readNetworkLayout(oneNetwork(type, { routes: [{ network: '10.0.0.0', netmask: '255.0.0.0', gateway: '192.168.0.1' }] }));
    assert.deepEqual(layout.problems, [], type);
    assert.equal(layout.networks[0]?.type, type);
    assert.equal(layout.networks[0]?.address, null, type);
    assert.deepEqual(layout.networks[0]?.routes, [], type);
  }
});

test('bad values are refused by the network\'s name; its link is frozen; the other networks stay', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ip_address: '192.168.0.999' }, /^network "network0" refused: ip_address "192\.168\.0\.999" does not parse as an address; nothing of it is written$/],
    [{ ip_address: '2001:db8::1' }, /ip_address "2001:db8::1" is not an IPv4 address/],
    [{ netmask: '/33' }, /netmask "\/33" is not a prefix for IPv4/],
    [{ netmask: '255.0.255.0' }, /netmask "255\.0\.255\.0" is not a prefix/],
    [{ routes: [{ network: '10.0.0.0', netmask: '255.0.0.0', gateway: '10.9.9.9' }] }, /gateway is not on the link/],
    [{ routes: [{ network: '10.0.0.0', netmask: '255.0.0.0' }] }, /needs network, netmask and gateway/],
    [{ services: [{ type: 'dns', address: 'dns.example' }] }, /DNS server "dns\.example" does not parse/],
    [{ type: 'ipv5' }, /type "ipv5" is not a known network type/],
    [{ link: 'tap-gone' }, /link "tap-gone" names no link/],
  ];
  for (const [extra, message] of cases) {
    const data = oneNetwork('ipv4', extra);
    (data.networks as unknown[]).push({ id: 'network1', type: 'ipv6_slaac', link: 'tap0' });
    const layout = readNetworkLayout(data);
    assert.equal(layout.problems.length, 1, JSON.stringify(extra));
    assert.match(layout.problems[0] ?? '', /^network "network0" refused: /);
    assert.match(layout.problems[0] ?? '', message);
    assert.deepEqual(layout.networks.map((network) => network.id), ['network1']);
    if (extra.link === undefined) assert.deepEqual(layout.frozen, ['tap0']);
  }
});

test('an unknown link type is refused for that link alone, with what is built on it', () => {
  const data = bondedVlan();
  (data.links as Record<string, unknown>[]).push({ id: 'ib0', type: 'infiniband', ethernet_mac_address: '52:54:00:12:34:09' });
  (data.networks as unknown[]).push({ id: 'storage', type: 'ipv4_dhcp', link: 'ib0' });
  const layout = readNetworkLayout(data);
  assert.deepEqual(layout.problems, [
    'link "ib0" refused: type "infiniband" is not a known link type (physical: bgpovs, bridge, cascading, dvs, ethernet, hw_veb, hyperv, ovs, phy, tap, vhostuser, vif; vlan, bond)',
    'network "storage" refused: its link "ib0" was refused; nothing of it is written',
  ]);
  assert.deepEqual(layout.networks.map((network) => network.id), ['public-ipv4', 'private-ipv6']);

  const broken = bondedVlan();
  (broken.links as Record<string, unknown>[])[0]!.ethernet_mac_address = '00:00:00:00:00:00';
  const cascade = readNetworkLayout(broken);
  assert.deepEqual(cascade.links.map((link) => link.id), ['eth1']);
  assert.match(cascade.problems.join('\n'), /link "eth0" refused: ethernet_mac_address "00:00:00:00:00:00" is not a usable MAC address/);
  assert.match(cascade.problems.join('\n'), /link "bond0" refused: it is built on link "eth0", which was refused/);
  assert.match(cascade.problems.join('\n'), /link "vlan0" refused: it is built on link "bond0", which was refused/);
  assert.deepEqual(cascade.networks, []);
});

test('VLAN and bond values are checked: vlan_id, vlan_link, bond_links, bond options, mtu', () => {
  const edits: [(links: Record<string, unknown>[]) => void, RegExp][] = [
    [(links) => (links[3]!.vlan_id = 4095), /vlan_id "4095" is not an integer from 1 to 4094/],
    [(links) => (links[3]!.vlan_link = 'nope'), /vlan_link "nope" names no other link/],
    [(links) => (links[2]!.bond_links = []), /bond_links is not a list of other links/],
    [(links) => (links[2]!.bond_mode = 'x;reboot'), /bond_mode "x;reboot" is not a bonding option value/],
    [(links) => (links[0]!.mtu = 10), /mtu "10" is not an integer from 68 to 65535/],
  ];
  for (const [edit, message] of edits) {
    const data = bondedVlan();
    edit(data.links as Record<string, unknown>[]);
    const layout = readNetworkLayout(data);
    assert.match(layout.problems.join('\n'), message);
  }
});

test('absent network data is empty; a document that is not an object is one problem', () => {
  assert.deepEqual(readNetworkLayout(null), { links: [], networks: [], dns: [], search: [], problems: [], frozen: [] });
  assert.deepEqual(readNetworkLayout([1, 2]).problems, ['network_data.json is not an object']);
});

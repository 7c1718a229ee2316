// normalize() on hostile values: prototype keys, long link chains and loops, thousands of DNS services, odd netmasks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawMetadata } from '../../src/core/raw.js';
import { normalize } from '../../src/model/normalize.js';
import { normalizeNetworkData } from '../../src/model/normalize-network.js';

const AT = new Date('2025-05-01T12:00:00.000Z');
const UUID = '83679162-1378-4288-a2d4-70e13ec132aa';

function openstack(metaData: string, networkData?: unknown): RawMetadata {
  return {
    kind: 'openstack',
    endpoint: 'http://127.0.0.1:1',
    version: '2020-10-14',
    files: ['meta_data.json'],
    openstack: { meta_data: JSON.parse(metaData) as unknown, network_data: networkData, user_data: null },
  };
}

test('__proto__ and constructor keys stay plain data and pollute nothing', () => {
  const doc = normalize(
    openstack(`{"uuid":"${UUID}","__proto__":{"hostname":"evil"},"meta":{"__proto__":{"polluted":1},"constructor":"c"},"public_keys":{"__proto__":"ssh-ed25519 AAAA"}}`),
    AT,
  );
  assert.equal(doc.hostname, null);
  assert.equal(Object.getPrototypeOf(doc.meta), Object.prototype);
  assert.deepEqual(Object.keys(doc.meta), ['__proto__', 'constructor']);
  assert.deepEqual(doc.public_keys, [{ name: '__proto__', type: 'ssh', data: 'ssh-ed25519 AAAA' }]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a VLAN chain 20,000 links long gives every network the MAC at its end; a loop gives none', () => {
  const length = 20_000;
  const links = Array.from({ length }, (_, index) =>
    index === length - 1 ? { id: `l${index}`, ethernet_mac_address: 'FA:16:3E:00:00:01' } : { id: `l${index}`, vlan_link: `l${index + 1}` },
  );
  links.push({ id: 'loop-a', vlan_link: 'loop-b' }, { id: 'loop-b', vlan_link: 'loop-a' }, { id: 'orphan', vlan_link: 'nowhere' });
  const networks = [
    ...Array.from({ length: 5_000 }, (_, index) => ({ id: `n${index}`, type: 'ipv4', link: `l${index}` })),
    { id: 'looped', type: 'ipv4', link: 'loop-a' },
    { id: 'orphaned', type: 'ipv4', link: 'orphan' },
    { id: 'unknown', type: 'ipv4', link: 'no-such-link' },
  ];
  const part = normalizeNetworkData({ links, networks });
  assert.equal(part.networks.length, 5_003);
  assert.ok(part.networks.slice(0, 5_000).every((network) => network.mac === 'fa:16:3e:00:00:01'));
  assert.deepEqual(
    part.networks.slice(5_000).map((network) => network.mac),
    [null, null, null],
  );
});

test('30,000 DNS services, each address twice: every address once, in order', () => {
  const addresses = Array.from({ length: 30_000 }, (_, index) => `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`);
  const services = [...addresses, ...addresses].map((address) => ({ type: 'dns', address }));
  const part = normalizeNetworkData({ links: [], networks: [{ id: 'n', type: 'ipv4', services: services.slice(0, 10) }], services });
  assert.deepEqual(part.dns_nameservers, addresses);
});

test('netmasks as prefixes, IPv6 masks and garbage; IPv6 routes as CIDR', () => {
  const part = normalizeNetworkData({
    links: [],
    networks: [
      { id: 'a', type: 'ipv4', netmask: '24', routes: [{ network: '10.0.0.0', netmask: '255.0.0.0', gateway: '192.0.2.1' }] },
      { id: 'b', type: 'ipv6', netmask: 'ffff:ffff:ffff:ffff::', routes: [{ network: '::', netmask: '::', gateway: 'fe80::1' }] },
      { id: 'c', type: 'ipv4', netmask: '255.0.255.0', routes: [{ network: '10.0.0.0', netmask: 'garbage', gateway: '192.0.2.1' }] },
      { id: 'd', type: 'ipv6_dhcp', netmask: '/64', routes: [{ network: '::', netmask: '::', gateway: 'fe80::1' }] },
    ],
  });
  assert.deepEqual(
    part.networks.map((network) => network.prefix),
    [24, 64, null, 64],
  );
  assert.deepEqual(
    part.routes.map((route) => route.destination),
    ['10.0.0.0/8', '::/0', '10.0.0.0/garbage'],
  );
});

// Properties of the network layout and its renderers: generated valid network_data renders every static address on its own link's file and no dynamic one; any input is refused by name, never thrown, and never injects a line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MARKER } from '../../src/appliers/network/render.js';
import { RENDERERS } from '../../src/appliers/network/renderers.js';
import { DYNAMIC_NETWORK_TYPES, PHYSICAL_LINK_TYPES, readNetworkLayout } from '../../src/model/network-layout.js';
import { RUNS, assertOneLine, hostileText, ipv6Text, prefixToMask4, prefixToMask6 } from './typed.js';

interface Expected {
  link: string;
  mac: string;
  /** "address/prefix" of a static network, or null for a dynamic one. */
  cidr: string | null;
  gateway: string | null;
}

const mac = fc.tuple(fc.integer({ min: 1, max: 127 }), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 5, maxLength: 5 })).map(([first, rest]) =>
  [first * 2, ...rest].map((byte) => byte.toString(16).padStart(2, '0')).join(':'),
);

const ipv4Network = fc.record({ prefix: fc.integer({ min: 8, max: 30 }), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 3, maxLength: 3 }), host: fc.nat() }).map(({ prefix, bytes, host }) => {
  const base = (((10 << 24) | ((bytes[0] ?? 0) << 16) | ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0)) >>> 0) & (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
  const size = 2 ** (32 - prefix);
  const text = (value: number): string => [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
  return { type: 'ipv4', ip_address: text(base + 2 + (host % (size - 3))), netmask: prefixToMask4(prefix), prefix, gateway: text(base + 1), zero: '0.0.0.0' };
});

const ipv6Network = fc.record({ prefix: fc.integer({ min: 16, max: 120 }), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }), host: fc.integer({ min: 2, max: 255 }) }).map(({ prefix, bytes, host }) => {
  const masked = bytes.map((byte, i) => byte & ((0xff00 >> Math.max(0, Math.min(8, prefix - i * 8))) & 0xff));
  masked[0] = 0x20;
  return { type: 'ipv6', ip_address: ipv6Text([...masked.slice(0, 15), host]), netmask: prefixToMask6(prefix), prefix, gateway: ipv6Text([...masked.slice(0, 15), 1]), zero: '::' };
});

const dynamic = fc.constantFrom(...DYNAMIC_NETWORK_TYPES).map((type) => ({ type }));

const networkData = fc
  .uniqueArray(mac, { minLength: 1, maxLength: 4 })
  .chain((macs) =>
    fc.tuple(
      fc.constant(macs),
      fc.array(fc.constantFrom(...PHYSICAL_LINK_TYPES), { minLength: macs.length, maxLength: macs.length }),
      fc.array(fc.option(fc.integer({ min: 1280, max: 9000 }), { nil: null }), { minLength: macs.length, maxLength: macs.length }),
      fc.array(fc.array(fc.oneof(ipv4Network, ipv6Network, dynamic), { maxLength: 3 }), { minLength: macs.length, maxLength: macs.length }),
    ),
  )
  .map(([macs, types, mtus, perLink]) => {
    const expected: Expected[] = [];
    let marker = 0;
    const links = macs.map((address, i) => ({ id: `tap${i}`, type: types[i], ethernet_mac_address: address.toUpperCase(), mtu: mtus[i] ?? null }));
    const networks = perLink.flatMap((list, i) =>
      list.map((network, j) => {
        const id = `net${i}-${j}`;
        const link = `tap${i}`;
        if (!('ip_address' in network)) {
          marker += 1;
          expected.push({ link, mac: macs[i] ?? '', cidr: null, gateway: null });
          // A dynamic network that carries an address anyway: it must never be rendered.
          return { id, type: network.type, link, ip_address: `198.51.100.${marker}`, netmask: '255.255.255.0' };
        }
        expected.push({ link, mac: macs[i] ?? '', cidr: `${network.ip_address}/${network.prefix}`, gateway: network.gateway });
        return { id, type: network.type, link, ip_address: network.ip_address, netmask: network.netmask, routes: [{ network: network.zero, netmask: network.zero, gateway: network.gateway }] };
      }),
    );
    return { data: { links, networks, services: [{ type: 'dns', address: '192.0.2.53' }] }, expected, dynamicCount: marker };
  });

test('a valid network_data renders each static address and gateway in its own link\'s file, no dynamic address anywhere', () => {
  fc.assert(
    fc.property(networkData, ({ data, expected, dynamicCount }) => {
      const layout = readNetworkLayout(data);
      assert.deepEqual(layout.problems, []);
      for (const renderer of Object.values(RENDERERS)) {
        const files = renderer.render(layout);
        assert.deepEqual(renderer.render(readNetworkLayout(data)), files, 'rendering is deterministic');
        assert.equal(new Set(files.map((file) => file.path)).size, files.length);
        const fileOf = (link: string): string => files.find((file) => file.link === link)?.content ?? '';
        for (const want of expected) {
          const text = fileOf(want.link).split('\n');
          assert.ok(text.includes(renderer.id === 'networkd' ? `MACAddress=${want.mac}` : `mac-address=${want.mac.toUpperCase()}`), `${renderer.id}: ${want.link} matched by its MAC`);
          if (want.cidr === null) continue;
          assert.ok(renderer.id === 'networkd' ? text.includes(`Address=${want.cidr}`) : text.some((line) => line.endsWith(`=${want.cidr}`) && /^address\d+=/.test(line)), `${renderer.id}: ${want.cidr}`);
          // NetworkManager has one gateway= per family: another default route is a route line.
          const asRoute = (line: string): boolean => /^route\d+=(0\.0\.0\.0|::)\/0,/.test(line) && line.endsWith(`,${want.gateway}`);
          assert.ok(text.includes(`Gateway=${want.gateway}`) || text.includes(`gateway=${want.gateway}`) || text.some(asRoute), `${renderer.id}: gateway ${want.gateway}`);
          for (const other of files.filter((file) => file.link !== want.link)) assert.ok(!other.content.includes(`=${want.cidr}\n`), 'an address only on its own link');
        }
        for (let n = 1; n <= dynamicCount; n += 1) assert.ok(files.every((file) => !file.content.includes(`198.51.100.${n}/`)), 'a dynamic network never gets a static address');
        for (const file of files) {
          assert.ok(file.content.startsWith(`${MARKER}\n`));
          assert.ok(renderer.ownsName(file.path.slice(file.path.lastIndexOf('/') + 1)));
          if (renderer.id === 'networkd') assert.ok(file.content.includes('\nType=ether\n'), 'physical links only match Ethernet devices');
        }
      }
    }),
    RUNS,
  );
});

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(hostileText, fc.integer(), fc.constant(null), fc.boolean(), fc.array(hostileText, { maxLength: 3 }), fc.constantFrom('vlan', 'bond', 'ovs', 'ipv4', 'ipv6', 'ipv4_dhcp', '255.255.255.0', 'ffff:ffff::', '10.0.0.1', 'fa:16:3e:00:00:01', 'tap0'));
const hostileObject = fc.dictionary(fc.constantFrom('id', 'type', 'link', 'ethernet_mac_address', 'vlan_mac_address', 'vlan_link', 'vlan_id', 'bond_links', 'bond_mode', 'bond_miimon', 'mtu', 'ip_address', 'netmask', 'routes', 'services', 'dns_search', 'address', 'network', 'gateway'), hostileValue);

test('any network_data: never throws; every refusal is one line; rendered files hold only sections and key=value lines', () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.record({ links: fc.array(hostileObject, { maxLength: 4 }), networks: fc.array(hostileObject, { maxLength: 4 }), services: fc.array(hostileObject, { maxLength: 2 }) })), (data) => {
      const layout = readNetworkLayout(data);
      for (const problem of layout.problems) assertOneLine(problem);
      for (const renderer of Object.values(RENDERERS)) {
        for (const file of renderer.render(layout)) {
          const [first, ...rest] = file.content.split('\n');
          assert.equal(first, MARKER);
          for (const line of rest) assert.match(line, /^$|^\[[A-Za-z0-9]+\]$|^[A-Za-z0-9-]+=[^\n\r\0[\]]*$/, `${renderer.id}: ${JSON.stringify(line)}`);
          assert.match(file.path, /^\/etc\/[A-Za-z/]+\/(10-)?mdctl-[A-Za-z0-9_.-]+\.(network|netdev|nmconnection)$/);
        }
      }
    }),
    RUNS,
  );
});

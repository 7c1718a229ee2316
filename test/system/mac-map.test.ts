// The shared MAC-to-interface map: never lo, never an all-zero MAC, never a stacked device; bond members by their permanent MAC.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseIpLinks } from '../../src/system/iproute.js';
import { interfacesByMac, type MacLink } from '../../src/system/mac-map.js';
import { RUNS } from '../property/typed.js';

test('lo, all-zero MACs and VLAN/bond/bridge devices are left out; the first interface with a MAC wins', () => {
  const links: MacLink[] = [
    { name: 'lo', mac: '00:00:00:00:00:00' },
    { name: 'tun0', mac: '00:00:00:00:00:00', kind: 'tun' },
    { name: 'eth0', mac: 'FA:16:3E:5B:A1:0C' },
    { name: 'eth0.101', mac: 'fa:16:3e:5b:a1:0c', kind: 'vlan' },
    { name: 'br0', mac: 'fa:16:3e:5b:a1:0c', kind: 'bridge' },
    { name: 'eth9', mac: 'fa:16:3e:5b:a1:0c' },
    { name: 'veth1', mac: '02:00:00:00:00:01', kind: 'veth' },
  ];
  assert.deepEqual([...interfacesByMac(links)], [
    ['fa:16:3e:5b:a1:0c', 'eth0'],
    ['02:00:00:00:00:01', 'veth1'],
  ]);
});

test('a bond member is found by its permanent MAC, not the bond\'s that it carries', () => {
  const links = parseIpLinks(
    JSON.stringify([
      { ifname: 'lo', address: '00:00:00:00:00:00', link_type: 'loopback' },
      { ifname: 'bond0', address: '52:54:00:12:34:01', linkinfo: { info_kind: 'bond' } },
      { ifname: 'ens3', address: '52:54:00:12:34:01', linkinfo: { info_slave_kind: 'bond' } },
      { ifname: 'ens4', address: '52:54:00:12:34:01', permaddr: '52:54:00:12:34:02', linkinfo: { info_slave_kind: 'bond' } },
    ]),
  );
  assert.deepEqual(Object.fromEntries(interfacesByMac(links)), { '52:54:00:12:34:01': 'ens3', '52:54:00:12:34:02': 'ens4' });
});

test('property: the map never names lo or a stacked device, never holds a zero MAC, and maps only MACs of the links given', () => {
  const mac = fc.oneof(fc.constant('00:00:00:00:00:00'), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((bytes) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')));
  const link = fc.record({ name: fc.oneof(fc.constant('lo'), fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/)), mac, kind: fc.option(fc.constantFrom('vlan', 'bond', 'veth', 'bridge', 'dummy', 'macvlan'), { nil: undefined }) });
  fc.assert(
    fc.property(fc.array(link, { maxLength: 8 }), (links) => {
      const clean: MacLink[] = links.map(({ kind, ...rest }) => (kind === undefined ? rest : { ...rest, kind }));
      const map = interfacesByMac(clean);
      for (const [address, name] of map) {
        assert.notEqual(address, '00:00:00:00:00:00');
        assert.notEqual(name, 'lo');
        const first = clean.find((candidate) => candidate.mac === address && candidate.name !== 'lo' && !['vlan', 'bond', 'bridge', 'macvlan'].includes(candidate.kind ?? ''));
        assert.equal(first?.name, name);
      }
    }),
    RUNS,
  );
});

// Properties of the route discovery parsers: /proc/net/route, /proc/net/if_inet6, link state, route selection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  ipv6Candidates,
  parseIfInet6,
  parseLinkState,
  parseProcNetRoute,
  selectRoute,
  type LinkState,
} from '../../src/net/route.js';
import { hexToIpv4, netmaskToPrefix as maskToPrefix } from '../../src/core/ip.js';
import { RUNS, hostileText, ipv4Bytes, ipv6Text, prefixToMask4, typed } from './typed.js';

const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';

/** %08X of the address as the kernel prints it on a host of the given byte order. */
function hex4(bytes: readonly number[], littleEndian: boolean): string {
  const ordered = littleEndian ? [...bytes].reverse() : [...bytes];
  return ordered.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('');
}

const interfaceName = fc.stringMatching(/^[a-z][a-z0-9.-]{0,14}$/);

const kernelRoute = fc.record({
  iface: interfaceName,
  address: ipv4Bytes,
  gateway: fc.option(ipv4Bytes, { nil: null }),
  prefix: fc.integer({ min: 0, max: 32 }),
  flags: fc.integer({ min: 0, max: 0xffff }),
  metric: fc.integer({ min: 0, max: 0x7fffffff }),
});
type Generated = typeof kernelRoute extends fc.Arbitrary<infer T> ? T : never;

function masked(bytes: readonly number[], prefix: number): number[] {
  const mask = prefixToMask4(prefix).split('.').map(Number);
  return bytes.map((b, i) => b & (mask[i] ?? 0));
}

function line(route: Generated, littleEndian: boolean): string {
  const dest = masked(route.address, route.prefix);
  const gateway = route.gateway ?? [0, 0, 0, 0];
  const mask = prefixToMask4(route.prefix).split('.').map(Number);
  return [route.iface, hex4(dest, littleEndian), hex4(gateway, littleEndian), route.flags.toString(16).toUpperCase().padStart(4, '0'), '0', '0', String(route.metric), hex4(mask, littleEndian), '0', '0', '0'].join('\t');
}

test('parseProcNetRoute never throws, whatever the text', () => {
  fc.assert(
    fc.property(hostileText, fc.boolean(), (text, le) => {
      const routes = typed(() => parseProcNetRoute(text, le));
      assert.ok(Array.isArray(routes));
    }),
    RUNS,
  );
});

test('a generated route table parses back to the same routes, on either byte order', () => {
  fc.assert(
    fc.property(fc.array(kernelRoute, { maxLength: 12 }), fc.boolean(), (routes, le) => {
      const text = `${HEADER}\n${routes.map((r) => line(r, le)).join('\n')}\n`;
      const parsed = parseProcNetRoute(text, le);
      assert.equal(parsed.length, routes.length);
      parsed.forEach((got, i) => {
        const want = routes[i]!;
        assert.equal(got.interface, want.iface);
        assert.equal(got.destination, masked(want.address, want.prefix).join('.'));
        assert.equal(got.prefix, want.prefix);
        assert.equal(got.mask, prefixToMask4(want.prefix));
        assert.equal(got.metric, want.metric);
        assert.equal(got.flags, want.flags);
        const viaGateway = (want.flags & 0x2) !== 0 && want.gateway !== null && want.gateway.join('.') !== '0.0.0.0';
        assert.equal(got.gateway, viaGateway ? want.gateway!.join('.') : null);
      });
    }),
    RUNS,
  );
});

test('hexToIpv4 round-trips every address in both byte orders and refuses anything but 8 hex digits', () => {
  fc.assert(
    fc.property(ipv4Bytes, fc.boolean(), hostileText, (bytes, le, junk) => {
      assert.equal(hexToIpv4(hex4(bytes, le), le), bytes.join('.'));
      assert.equal(hexToIpv4(hex4(bytes, le).toLowerCase(), le), bytes.join('.'));
      if (!/^[0-9A-Fa-f]{8}$/.test(junk)) assert.equal(hexToIpv4(junk, le), null);
    }),
    RUNS,
  );
});

test('maskToPrefix: prefix -> netmask -> prefix, and null exactly for non-contiguous masks', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 32 }), ipv4Bytes, (prefix, bytes) => {
      assert.equal(maskToPrefix(prefixToMask4(prefix)), prefix);
      const bits = bytes.map((b) => b.toString(2).padStart(8, '0')).join('');
      const contiguous = /^1*0*$/.test(bits);
      assert.equal(maskToPrefix(bytes.join('.')), contiguous ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : null);
    }),
    RUNS,
  );
});

test('selectRoute picks a usable route covering 169.254.169.254 with the longest prefix, then the lowest metric', () => {
  const down = fc.uniqueArray(interfaceName, { maxLength: 3 });
  fc.assert(
    fc.property(fc.array(kernelRoute, { maxLength: 10 }), down, (generated, downNames) => {
      const text = `${HEADER}\n${generated.map((r) => line(r, true)).join('\n')}\n`;
      const routes = parseProcNetRoute(text, true);
      const up = (name: string): boolean => !downNames.includes(name);
      const best = typed(() => selectRoute(routes, '169.254.169.254', up));
      const target = [169, 254, 169, 254];
      const usable = routes.filter(
        (r) => (r.flags & 0x1) !== 0 && (r.flags & 0x200) === 0 && up(r.interface) && masked(target, r.prefix).join('.') === r.destination,
      );
      if (usable.length === 0) {
        assert.equal(best, null);
        return;
      }
      assert.ok(best !== null && best !== undefined);
      const longest = Math.max(...usable.map((r) => r.prefix));
      const lowest = Math.min(...usable.filter((r) => r.prefix === longest).map((r) => r.metric));
      assert.equal(best.prefix, longest);
      assert.equal(best.metric, lowest);
      assert.equal(best.optionRoute121, longest === 32 && best.gateway !== null);
    }),
    RUNS,
  );
});

const inet6Line = fc.record({
  bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }),
  index: fc.integer({ min: 1, max: 0xffff }),
  prefix: fc.integer({ min: 0, max: 128 }),
  scope: fc.constantFrom(0x00, 0x10, 0x20, 0x40, 0x80),
  flags: fc.integer({ min: 0, max: 0xff }),
  name: interfaceName,
});

test('parseIfInet6 never throws, and generated lines give back the address in canonical form', () => {
  fc.assert(
    fc.property(hostileText, fc.array(inet6Line, { maxLength: 8 }), (junk, entries) => {
      assert.ok(Array.isArray(typed(() => parseIfInet6(junk))));
      const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
      const text = entries
        .map((e) => [e.bytes.map((b) => hex(b, 2)).join(''), hex(e.index, 2), hex(e.prefix, 2), hex(e.scope, 2), hex(e.flags, 2), e.name].join(' '))
        .join('\n');
      const parsed = parseIfInet6(`${text}\n`);
      assert.equal(parsed.length, entries.length);
      parsed.forEach((got, i) => {
        const want = entries[i]!;
        assert.equal(got.address, ipv6Text(want.bytes));
        assert.deepEqual([got.ifindex, got.prefix, got.scope, got.flags, got.interface], [want.index, want.prefix, want.scope, want.flags, want.name]);
      });
    }),
    RUNS,
  );
});

test('ipv6Candidates: one per interface that is up, link-local, not loopback and not DAD-failed', () => {
  const link = fc.record({ flags: fc.integer({ min: 0, max: 0xffff }), operstate: fc.constantFrom('up', 'down', 'unknown', 'dormant') });
  fc.assert(
    fc.property(fc.array(inet6Line, { maxLength: 8 }), fc.dictionary(interfaceName, link, { maxKeys: 4 }), (entries, linkRecord) => {
      const text = entries
        .map((e) => [e.bytes.map((b) => b.toString(16).padStart(2, '0')).join(''), '02', e.prefix.toString(16), e.scope.toString(16), e.flags.toString(16), e.name].join(' '))
        .join('\n');
      const links = new Map<string, LinkState>(Object.entries(linkRecord));
      const candidates = ipv6Candidates(parseIfInet6(text), links);
      const names = candidates.map((c) => c.interface);
      assert.equal(new Set(names).size, names.length);
      for (const candidate of candidates) {
        assert.equal(candidate.address, 'fe80::a9fe:a9fe');
        assert.equal(candidate.zone, candidate.interface);
        assert.notEqual(candidate.interface, 'lo');
        assert.ok(entries.some((e) => e.name === candidate.interface && e.scope === 0x20 && (e.flags & 0x08) === 0));
        const state = links.get(candidate.interface);
        if (state !== undefined) assert.ok((state.flags & 0x1) !== 0 && (state.flags & 0x8) === 0 && ['up', 'unknown'].includes(state.operstate));
      }
    }),
    RUNS,
  );
});

test('parseLinkState never throws; hex flags parse with or without 0x', () => {
  fc.assert(
    fc.property(hostileText, hostileText, fc.integer({ min: 0, max: 0xfffff }), (flags, operstate, value) => {
      typed(() => parseLinkState(flags, operstate));
      assert.deepEqual(parseLinkState(`0x${value.toString(16)}\n`, 'up\n'), { flags: value, operstate: 'up' });
      assert.deepEqual(parseLinkState(value.toString(16), operstate), { flags: value, operstate: operstate.trim() });
    }),
    RUNS,
  );
});

// Properties of netmask <-> prefix conversion and CIDR destinations (model/netmask.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { netmaskToPrefix, toCidr } from '../../src/core/ip.js';
import { RUNS, hostileText, ipv4Bytes, ipv6Text, prefixToMask4, prefixToMask6, typed } from './typed.js';

test('IPv4: prefix -> dotted netmask -> the same prefix, for every length', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 32 }), (prefix) => {
      assert.equal(netmaskToPrefix(prefixToMask4(prefix)), prefix);
      assert.equal(netmaskToPrefix(String(prefix)), prefix);
      assert.equal(netmaskToPrefix(`/${prefix}`), prefix);
    }),
    RUNS,
  );
});

test('IPv6: prefix -> netmask (compressed or written out) -> the same prefix', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 128 }), (prefix) => {
      assert.equal(netmaskToPrefix(prefixToMask6(prefix)), prefix);
      const words = Array.from({ length: 8 }, (_, i) => (0xffff0000 >>> Math.max(0, Math.min(16, prefix - i * 16))) & 0xffff);
      assert.equal(netmaskToPrefix(words.map((w) => w.toString(16).padStart(4, '0')).join(':')), prefix);
    }),
    RUNS,
  );
});

test('a dotted quad is a netmask exactly when its bits are ones then zeros', () => {
  fc.assert(
    fc.property(ipv4Bytes, (bytes) => {
      const bits = bytes.map((b) => b.toString(2).padStart(8, '0')).join('');
      const expected = /^1*0*$/.test(bits) ? bits.replace(/0+$/, '').length : null;
      assert.equal(netmaskToPrefix(bytes.join('.')), expected);
    }),
    RUNS,
  );
});

test('16 random mask bytes: a prefix only when contiguous', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }), (bytes) => {
      const bits = bytes.map((b) => b.toString(2).padStart(8, '0')).join('');
      const expected = /^1*0*$/.test(bits) ? bits.replace(/0+$/, '').length : null;
      assert.equal(netmaskToPrefix(ipv6Text(bytes)), expected);
    }),
    RUNS,
  );
});

test('netmaskToPrefix and toCidr never throw; a prefix is always 0-128; an unknown mask is kept as served', () => {
  fc.assert(
    fc.property(hostileText, hostileText, (network, mask) => {
      const prefix = typed(() => netmaskToPrefix(mask));
      if (prefix === undefined) assert.fail('netmaskToPrefix threw');
      assert.ok(prefix === null || (Number.isInteger(prefix) && prefix >= 0 && prefix <= 128));
      const cidr = typed(() => toCidr(network, mask));
      assert.equal(cidr, `${network}/${prefix === null ? mask : String(prefix)}`);
    }),
    RUNS,
  );
});

test('toCidr of a network and its netmask gives address/prefix', () => {
  fc.assert(
    fc.property(ipv4Bytes, fc.integer({ min: 0, max: 32 }), (bytes, prefix) => {
      assert.equal(toCidr(bytes.join('.'), prefixToMask4(prefix)), `${bytes.join('.')}/${prefix}`);
    }),
    RUNS,
  );
});

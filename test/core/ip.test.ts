// Netmask to prefix conversion for IPv4 and IPv6, and route destinations as CIDR.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { netmaskToPrefix, toCidr } from '../../src/core/ip.js';

describe('netmaskToPrefix', () => {
  const cases: [string, number | null][] = [
    ['255.255.255.0', 24],
    ['255.255.0.0', 16],
    ['0.0.0.0', 0],
    ['255.255.255.255', 32],
    ['255.255.255.252', 30],
    ['255.0.255.0', null],
    ['255.255.255.256', null],
    ['255.255.255', null],
    ['ffff:ffff:ffff:ffff::', 64],
    ['ffff:ffff:ffff:ff00::', 56],
    ['FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF', 128],
    ['::', 0],
    ['ffff:ffff:ffff:ffff:0:0:0:0', 64],
    ['ffff::ffff', null],
    ['ffff:ffff:ffff:ffff::0::', null],
    ['fffg::', null],
    ['24', 24],
    ['/64', 64],
    ['129', null],
    ['', null],
    ['bogus', null],
  ];
  for (const [mask, prefix] of cases) {
    it(`${JSON.stringify(mask)} -> ${String(prefix)}`, () => {
      assert.equal(netmaskToPrefix(mask), prefix);
    });
  }
});

describe('toCidr', () => {
  it('joins network and prefix', () => {
    assert.equal(toCidr('0.0.0.0', '0.0.0.0'), '0.0.0.0/0');
    assert.equal(toCidr('10.20.0.0', '255.255.0.0'), '10.20.0.0/16');
    assert.equal(toCidr('::', '::'), '::/0');
    assert.equal(toCidr('2001:db8::', 'ffff:ffff:ffff:ffff::'), '2001:db8::/64');
  });

  it('keeps a mask that is not one as served, for the applier to refuse', () => {
    assert.equal(toCidr('10.0.0.0', '255.0.255.0'), '10.0.0.0/255.0.255.0');
  });
});

// Route validation: canonical CIDR, on-link gateways, refusals by name, and the metadata service route.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Network, Route } from '../../src/core/instance.js';
import { addressValue } from '../../src/core/ip.js';
import { capturesMetadataService, checkRoute } from '../../src/model/routes.js';

const MAC = 'fa:16:3e:5b:a1:0c';
const NETWORKS: Network[] = [
  { id: 'network0', type: 'ipv4', link: 'tap0', mac: MAC, network_id: 'n', ip_address: '192.168.0.233', netmask: '255.255.255.0', prefix: 24 },
  { id: 'network1', type: 'ipv6', link: 'tap0', mac: MAC, network_id: 'n', ip_address: '2001:db8:0:1::10', netmask: 'ffff:ffff:ffff:ffff::', prefix: 64 },
];

function route(destination: string, gateway: string, mac: string | null = MAC): Route {
  return { destination, gateway, link: 'tap0', mac, network_id: 'n' };
}

test('IPv4 and IPv6 routes are checked and written canonically', () => {
  assert.deepEqual(checkRoute(route('10.20.0.0/16', '192.168.0.254'), NETWORKS), {
    family: 4,
    destination: '10.20.0.0/16',
    prefix: 16,
    gateway: '192.168.0.254',
    mac: MAC,
    link: 'tap0',
  });
  assert.equal(checkRoute(route('0.0.0.0/0', '192.168.0.1'), NETWORKS).prefix, 0);
  const v6 = checkRoute(route('2001:DB8:0:2:0:0:0:0/64', '2001:db8:0:1:0:0:0:1'), NETWORKS);
  assert.equal(v6.destination, '2001:db8:0:2::/64');
  assert.equal(v6.gateway, '2001:db8:0:1::1');
  assert.equal(checkRoute(route('::/0', 'fe80::1'), NETWORKS).destination, '::/0');
});

test('bad destinations and gateways are refused, naming the route', () => {
  const cases: [Route, RegExp][] = [
    [route('10.20.0.0', '192.168.0.254'), /not an address\/prefix/],
    [route('10.20.0.0/33', '192.168.0.254'), /too long/],
    [route('10.20.0.1/16', '192.168.0.254'), /bits set beyond the prefix/],
    [route('10.20.0.0/16', '192.168.1.254'), /not on the link/],
    [route('10.20.0.0/16', 'gw; reboot'), /gateway is not an address/],
    [route('10.20.0.0/16', '2001:db8:0:1::1'), /different families/],
    [route('10.20.0.0/16', '192.168.0.254', 'fa:16:3e:00:00:01'), /not on the link/],
    [route('999.1.1.0/24', '192.168.0.254'), /not an address/],
  ];
  for (const [bad, why] of cases) {
    assert.throws(
      () => checkRoute(bad, NETWORKS),
      (error: Error & { code?: string }) => error.code === 'ERR_INVALID_VALUE' && why.test(error.message) && error.message.includes(JSON.stringify(`${bad.destination} via ${bad.gateway}`)),
      `${bad.destination} via ${bad.gateway}`,
    );
  }
});

test('routes that would capture the metadata service are recognised; default routes are not', () => {
  const capture = (destination: string, gateway: string): boolean => capturesMetadataService(checkRoute(route(destination, gateway), NETWORKS));
  assert.equal(capture('169.254.169.254/32', '192.168.0.3'), true);
  assert.equal(capture('169.254.0.0/16', '192.168.0.3'), true);
  assert.equal(capture('0.0.0.0/0', '192.168.0.1'), false);
  assert.equal(capture('10.0.0.0/8', '192.168.0.1'), false);
  assert.equal(capture('fe80::/64', 'fe80::1'), true);
});

test('addresses parse to numbers, IPv4-mapped tails included', () => {
  assert.equal(addressValue('10.0.0.1')?.value, 0x0a000001n);
  assert.equal(addressValue('::ffff:10.0.0.1')?.value, 0xffff0a000001n);
  assert.equal(addressValue('fe80::1%eth0'), null);
  assert.equal(addressValue('1.2.3'), null);
});

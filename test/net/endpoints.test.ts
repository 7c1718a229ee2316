// Candidate bases from a route report, and base URLs that carry an IPv6 zone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MdctlError } from '../../src/core/errors.js';
import { candidates, ipv6Base, parseBase } from '../../src/net/endpoints.js';
import type { RouteReport } from '../../src/net/route.js';

const V4: RouteReport['ipv4'] = {
  destination: '169.254.169.254',
  prefix: 32,
  interface: 'ens3',
  gateway: '192.168.0.3',
  metric: 100,
  optionRoute121: true,
};

test('IPv4 first, then one IPv6 candidate per zone', () => {
  const list = candidates({
    ipv4: V4,
    ipv6: [
      { address: 'fe80::a9fe:a9fe', zone: 'ens3', interface: 'ens3' },
      { address: 'fe80::a9fe:a9fe', zone: 'ens4', interface: 'ens4' },
    ],
  });
  assert.deepEqual(list, [
    { kind: 'ipv4', base: 'http://169.254.169.254', interface: 'ens3' },
    { kind: 'ipv6', base: 'http://[fe80::a9fe:a9fe%25ens3]', interface: 'ens3' },
    { kind: 'ipv6', base: 'http://[fe80::a9fe:a9fe%25ens4]', interface: 'ens4' },
  ]);
});

test('--endpoint wins over discovery and is checked', () => {
  assert.deepEqual(candidates({ ipv4: V4, ipv6: [] }, 'http://127.0.0.1:8775'), [
    { kind: 'endpoint', base: 'http://127.0.0.1:8775' },
  ]);
  assert.throws(() => candidates({ ipv4: null, ipv6: [] }, 'ftp://x'), (e: unknown) => e instanceof MdctlError && e.code === 'ERR_USAGE');
});

test('nothing found is ERR_NO_ROUTE naming both files', () => {
  assert.throws(
    () => candidates({ ipv4: null, ipv6: [] }),
    (e: unknown) =>
      e instanceof MdctlError &&
      e.code === 'ERR_NO_ROUTE' &&
      e.exitStatus === 4 &&
      e.message.includes('/proc/net/route') &&
      e.message.includes('/proc/net/if_inet6'),
  );
});

test('a zoned base splits into a WHATWG origin and a zoned connect host', () => {
  assert.deepEqual(parseBase(ipv6Base('eth0')), {
    origin: 'http://[fe80::a9fe:a9fe]',
    pathPrefix: '',
    protocol: 'http:',
    connectHost: 'fe80::a9fe:a9fe%eth0',
    zone: 'eth0',
  });
  assert.equal(parseBase('http://[fe80::a9fe:a9fe%eth1]:8080').connectHost, 'fe80::a9fe:a9fe%eth1');
  assert.equal(parseBase('http://[fe80::a9fe:a9fe%eth1]:8080').origin, 'http://[fe80::a9fe:a9fe]:8080');
});

test('plain bases keep their host and path prefix', () => {
  const parsed = parseBase('http://127.0.0.1:8775/prefix/');
  assert.equal(parsed.origin, 'http://127.0.0.1:8775');
  assert.equal(parsed.pathPrefix, '/prefix');
  assert.equal(parsed.connectHost, '127.0.0.1');
  assert.equal(parsed.zone, null);
});

test('bad bases are usage errors with the value quoted', () => {
  for (const bad of ['not a url', 'file:///etc/passwd', 'http://u:p@host/', 'http://[2001:db8::1%eth0]', 'http://h/?q=1']) {
    assert.throws(
      () => parseBase(bad),
      (e: unknown) => e instanceof MdctlError && e.code === 'ERR_USAGE' && e.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});

// Unit tests of doctor's pure hops: the route kinds, TCP verdicts, no_proxy matching, redaction, cache age, exit status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instance } from '../../src/core/instance.js';
import { exempts, cacheHop, proxyHop, redact } from '../../src/doctor/local-hops.js';
import { exitStatus } from '../../src/doctor/report.js';
import { ipv6Hop, routeHop } from '../../src/doctor/route-hops.js';
import { tcpHop } from '../../src/doctor/tcp.js';
import { fail, pass, warn } from '../../src/doctor/types.js';
import type { Ipv4Route } from '../../src/net/route.js';

const V6 = [{ address: 'fe80::a9fe:a9fe' as const, zone: 'eth0', interface: 'eth0' }];

function route(overrides: Partial<Ipv4Route>): Ipv4Route {
  return { destination: '169.254.169.254', prefix: 32, interface: 'eth0', gateway: '10.0.0.2', metric: 100, optionRoute121: true, ...overrides };
}

describe('routeHop', () => {
  it('names an option-121 host route', () => {
    assert.deepEqual(routeHop({ ipv4: route({}), ipv6: [] }), pass('route', '169.254.169.254/32 via 10.0.0.2 dev eth0 metric 100: a host route, as DHCP option 121 installs it'));
  });

  it('says when the default route carries the traffic and the router must answer', () => {
    const hop = routeHop({ ipv4: route({ destination: '0.0.0.0', prefix: 0, gateway: '10.0.0.1', optionRoute121: false }), ipv6: [] });
    assert.equal(hop.status, 'pass');
    assert.match(hop.message, /^0\.0\.0\.0\/0 via 10\.0\.0\.1 dev eth0 metric 100: the default route, no option-121 host route; the router \(10\.0\.0\.1\) must answer/);
  });

  it('calls an on-link route on-link', () => {
    const hop = routeHop({ ipv4: route({ destination: '169.254.0.0', prefix: 16, gateway: null, optionRoute121: false }), ipv6: [] });
    assert.match(hop.message, /^169\.254\.0\.0\/16 on-link dev eth0 metric 100: the service is on the link/);
  });

  it('warns when only IPv6 is left, fails as unreachable when nothing is', () => {
    assert.equal(routeHop({ ipv4: null, ipv6: V6 }).status, 'warn');
    const none = routeHop({ ipv4: null, ipv6: [] });
    assert.equal(none.status, 'fail');
    assert.equal(none.failure, 'unreachable');
  });

  it('lists the IPv6 candidates with their zones', () => {
    assert.equal(ipv6Hop({ ipv4: null, ipv6: V6 }).message, 'fe80::a9fe:a9fe%eth0');
    assert.equal(ipv6Hop({ ipv4: route({}), ipv6: [] }).message, 'no IPv6 link-local candidate (IPv4 only)');
  });
});

describe('tcpHop', () => {
  it('is ok when one candidate connects, and shows the others', () => {
    const hop = tcpHop([
      { base: 'http://169.254.169.254', address: '169.254.169.254:80', error: 'ETIMEDOUT' },
      { base: 'http://[fe80::a9fe:a9fe%25eth0]', address: '[fe80::a9fe:a9fe%eth0]:80', error: null },
    ]);
    assert.deepEqual(hop, pass('tcp', '169.254.169.254:80 timed out, [fe80::a9fe:a9fe%eth0]:80 connected'));
  });

  it('explains the first failure: a timeout is a dropped packet, an unknown code is shown as is', () => {
    assert.match(tcpHop([{ base: 'b', address: 'a:80', error: 'ETIMEDOUT' }]).message, /^a:80 timed out: packets are dropped on the way/);
    assert.equal(tcpHop([{ base: 'b', address: 'a:80', error: 'EWEIRD' }]).message, 'a:80 EWEIRD: cannot connect (EWEIRD)');
  });
});

describe('proxy variables', () => {
  it('redacts credentials only', () => {
    assert.equal(redact('http://user:pw@proxy:3128/'), 'http://***@proxy:3128/');
    assert.equal(redact('http://proxy:3128'), 'http://proxy:3128');
  });

  it('knows which no_proxy entries exempt 169.254.169.254', () => {
    for (const entry of ['*', '169.254.169.254', '169.254.0.0/16', '0.0.0.0/0', 'localhost, 169.254.169.254']) assert.ok(exempts(entry), entry);
    for (const entry of ['', 'localhost', '169.254.169.0/31', '10.0.0.0/8', '.example.com']) assert.ok(!exempts(entry), entry);
  });

  it('is ok without proxy variables; an empty value does not count', () => {
    assert.deepEqual(proxyHop({ HTTP_PROXY: '' }), pass('proxy-env', 'no proxy variables set'));
  });
});

describe('cacheHop', () => {
  const doc = { instance_id: 'i-1', source: { endpoint: 'http://169.254.169.254', fetched_at: '2025-01-01T00:00:00.000Z' } } as Instance;
  const read = { state: 'ok' as const, document: doc, sensitive: 'ok' as const, sensitiveProblem: null };

  it('gives the age in a readable unit', () => {
    const at = (iso: string): string => cacheHop('/run/mdctl', read, new Date(iso), null).message;
    assert.equal(at('2025-01-01T00:00:30Z'), '/run/mdctl: instance "i-1" from http://169.254.169.254, fetched 30 s ago');
    assert.match(at('2025-01-01T00:30:00Z'), /fetched 30 min ago$/);
    assert.match(at('2025-01-01T05:00:00Z'), /fetched 5 h ago$/);
    assert.match(at('2025-01-11T00:00:00Z'), /fetched 10 days ago$/);
  });

  it('warns for a cache that cannot be trusted', () => {
    assert.deepEqual(cacheHop('/c', { state: 'invalid', reason: 'bad schema' }, new Date(), null), warn('cache', 'bad schema; the next `mdctl fetch` replaces it'));
  });
});

describe('exitStatus', () => {
  it('0 with warnings, 4 for the network, 5 for a refusal', () => {
    assert.equal(exitStatus([pass('route', ''), warn('cache', '')]), 0);
    assert.equal(exitStatus([pass('route', ''), fail('tcp', 'unreachable', '')]), 4);
    assert.equal(exitStatus([pass('tcp', ''), fail('index', 'rejected', '')]), 5);
  });
});

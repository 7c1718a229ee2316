// `mdctl route` run inside guest namespaces: the seed's option-121 host route, IPv6 link-local only, and no route at all.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import {
  addAddr,
  addRoute,
  cleanup,
  createNetns,
  linkDown,
  uniqueName,
  vethPair,
  waitForLinkLocal,
  wrap,
} from '../helpers/netns.js';

const HOST = uniqueName('h2rh');
const SEED = uniqueName('h2rs');
const V6ONLY = uniqueName('h2r6');
const NONE = uniqueName('h2r0');

before(async () => {
  await Promise.all([HOST, SEED, V6ONLY, NONE].map((ns) => createNetns(ns)));

  // The seed guest: ens3 192.168.0.10/24, 169.254.169.254 via 192.168.0.3 (the qdhcp port) metric 100.
  await vethPair({ hostNs: HOST, guestNs: SEED, hostIf: uniqueName('h2ra'), guestIf: 'ens3', guestMac: 'fa:16:3e:1e:27:57' });
  await addAddr(HOST, uniqueName('h2ra'), '192.168.0.3/24');
  await addAddr(SEED, 'ens3', '192.168.0.10/24');
  await addRoute(SEED, '169.254.169.254/32', { via: '192.168.0.3', dev: 'ens3', metric: 100 });
  await addRoute(SEED, 'default', { via: '192.168.0.1', dev: 'ens3', metric: 100 });
  await waitForLinkLocal(SEED, 'ens3');

  // IPv6 only: eth0 up with its link-local address and no IPv4 at all; eth1 exists but is down.
  await vethPair({ hostNs: HOST, guestNs: V6ONLY, hostIf: uniqueName('h2rb'), guestIf: 'eth0' });
  await vethPair({ hostNs: HOST, guestNs: V6ONLY, hostIf: uniqueName('h2rc'), guestIf: 'eth1' });
  await waitForLinkLocal(V6ONLY, 'eth0');
  await linkDown(V6ONLY, 'eth1');
});

after(async () => {
  await cleanup();
});

test('the seed guest: option-121 host route via the gateway, source address, IPv6 candidate on ens3', async () => {
  const result = await runCli(['route', '--json'], { wrap: wrap(SEED) });
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0);
  assert.deepEqual(JSON.parse(result.stdout), {
    target: '169.254.169.254',
    ipv4: {
      destination: '169.254.169.254/32',
      interface: 'ens3',
      gateway: '192.168.0.3',
      on_link: false,
      source: '192.168.0.10',
      metric: 100,
      option_121: true,
    },
    ipv6: [{ address: 'fe80::a9fe:a9fe', zone: 'ens3', interface: 'ens3' }],
    candidates: ['http://169.254.169.254', 'http://[fe80::a9fe:a9fe%25ens3]'],
  });
});

test('the seed guest in human form names the gateway, interface, metric and option 121', async () => {
  const result = await runCli(['route'], { wrap: wrap(SEED) });
  assert.equal(result.status, 0);
  const lines = result.stdout.trimEnd().split('\n');
  assert.deepEqual(lines, [
    'ipv4  169.254.169.254/32 via 192.168.0.3 dev ens3 src 192.168.0.10 metric 100  (host route, as DHCP option 121 installs it)',
    'ipv6  fe80::a9fe:a9fe%ens3 dev ens3',
  ]);
});

test('IPv6 link-local only: no IPv4 route, one candidate zoned on the interface that is up', async () => {
  const result = await runCli(['route', '--json'], { wrap: wrap(V6ONLY) });
  assert.equal(result.status, 0, result.stderr);
  const json = JSON.parse(result.stdout) as { ipv4: unknown; ipv6: unknown; candidates: unknown };
  assert.equal(json.ipv4, null);
  assert.deepEqual(json.ipv6, [{ address: 'fe80::a9fe:a9fe', zone: 'eth0', interface: 'eth0' }]);
  assert.deepEqual(json.candidates, ['http://[fe80::a9fe:a9fe%25eth0]']);
});

test('no route and no link-local interface: exit 4, one line naming both files, nothing on stdout', async () => {
  for (const args of [['route'], ['route', '--json']]) {
    const result = await runCli(args, { wrap: wrap(NONE) });
    assert.equal(result.status, 4);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? '',
      /^mdctl: route: no route to 169\.254\.169\.254 in \/proc\/net\/route and no IPv6 link-local interface in \/proc\/net\/if_inet6 \(.+\)$/,
    );
  }
});

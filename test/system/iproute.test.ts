// iproute2 JSON parsing, and routes replaced, listed and removed with ip -batch for real in a network namespace made by the test.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ipRouteTable, parseBatchErrors, parseIpLinks, parseIpRoutes, type RouteOp } from '../../src/system/iproute.js';
import { addAddr, cleanup, createNetns, run, uniqueName } from '../helpers/netns.js';

test('ip -j route output parses into CIDR routes', () => {
  const json = JSON.stringify([
    { dst: 'default', gateway: '192.168.0.1', dev: 'eth0', protocol: 'static', flags: [] },
    { dst: '169.254.169.254', gateway: '192.168.0.3', dev: 'eth0', flags: [] },
    { dst: '192.168.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.168.0.233', flags: [] },
    { nodst: true },
  ]);
  assert.deepEqual(parseIpRoutes(json, 4), [
    { family: 4, destination: '0.0.0.0/0', gateway: '192.168.0.1', dev: 'eth0' },
    { family: 4, destination: '169.254.169.254/32', gateway: '192.168.0.3', dev: 'eth0' },
    { family: 4, destination: '192.168.0.0/24', gateway: null, dev: 'eth0' },
  ]);
  assert.deepEqual(parseIpRoutes('[{"dst":"default","gateway":"fe80::1","dev":"eth0"},{"dst":"2001:db8::1"}]', 6), [
    { family: 6, destination: '::/0', gateway: 'fe80::1', dev: 'eth0' },
    { family: 6, destination: '2001:db8::1/128', gateway: null, dev: null },
  ]);
  assert.deepEqual(parseIpRoutes('', 4), []);
  assert.throws(() => parseIpRoutes('{"not":"a list"}', 4), /not a list/);
  assert.throws(() => parseIpRoutes('<html>', 4), /invalid JSON/);
});

test('ip -j link output gives interfaces with their MAC, lower-cased', () => {
  const json = JSON.stringify([
    { ifname: 'lo', address: '00:00:00:00:00:00' },
    { ifname: 'eth0', address: 'FA:16:3E:5B:A1:0C' },
    { ifname: 'wg0', link_type: 'none' },
  ]);
  assert.deepEqual(parseIpLinks(json), [
    { name: 'lo', mac: '00:00:00:00:00:00' },
    { name: 'eth0', mac: 'fa:16:3e:5b:a1:0c' },
  ]);
});

const ns = uniqueName('sysip');
before(async () => {
  await createNetns(ns);
  await run(['ip', '-n', ns, 'link', 'add', 'dum0', 'address', 'fa:16:3e:00:00:42', 'type', 'veth', 'peer', 'name', 'dum1']);
  await run(['ip', '-n', ns, 'link', 'set', 'dum1', 'up']);
  await run(['ip', '-n', ns, 'link', 'set', 'dum0', 'up']);
  await addAddr(ns, 'dum0', '192.168.7.10/24');
});
after(cleanup);

test('routes are replaced (twice: no error), listed and removed in a namespace, one batch each', async () => {
  const table = ipRouteTable(['ip', 'netns', 'exec', ns, 'ip']);
  assert.ok((await table.links()).some((link) => link.name === 'dum0' && link.mac === 'fa:16:3e:00:00:42'));
  const route = { family: 4 as const, destination: '10.20.0.0/16', gateway: '192.168.7.254', dev: 'dum0' };
  const fallback = { family: 4 as const, destination: '0.0.0.0/0', gateway: '192.168.7.1', dev: 'dum0' };
  assert.deepEqual(await table.batch([{ op: 'replace', route }, { op: 'replace', route }, { op: 'replace', route: fallback }]), [null, null, null]);
  const listed = await table.list(4);
  assert.deepEqual(
    listed.filter((r) => r.gateway !== null),
    [
      { family: 4, destination: '0.0.0.0/0', gateway: '192.168.7.1', dev: 'dum0' },
      { family: 4, destination: '10.20.0.0/16', gateway: '192.168.7.254', dev: 'dum0' },
    ],
  );
  assert.deepEqual(await table.batch([{ op: 'delete', route }, { op: 'delete', route: fallback }]), [null, null]);
  assert.deepEqual((await table.list(4)).filter((r) => r.gateway !== null), []);
  assert.match((await table.batch([{ op: 'delete', route }]))[0] ?? '', /No such process/);
});

test('ip -force -batch errors are given to the line they belong to', () => {
  const stderr = 'Error: Nexthop has invalid gateway.\nCommand failed -:2\nRTNETLINK answers: No such process\nCommand failed -:3\nCommand failed -:9\n';
  assert.deepEqual(parseBatchErrors(stderr, 4), [null, 'Error: Nexthop has invalid gateway.', 'RTNETLINK answers: No such process', null]);
  assert.deepEqual(parseBatchErrors('', 2), [null, null]);
});

test('a batch mixes families and ops in one ip run; each failed line fails its own route only', async () => {
  const table = ipRouteTable(['ip', 'netns', 'exec', ns, 'ip']);
  await run(['ip', '-n', ns, 'addr', 'add', '2001:db8:7::10/64', 'dev', 'dum0', 'nodad']);
  const ops: RouteOp[] = [
    { op: 'replace', route: { family: 4, destination: '10.40.0.0/16', gateway: '192.168.7.254', dev: 'dum0' } },
    { op: 'replace', route: { family: 4, destination: '10.41.0.0/16', gateway: '10.99.0.1', dev: 'dum0' } },
    { op: 'delete', route: { family: 4, destination: '10.42.0.0/16', gateway: '192.168.7.254', dev: 'dum0' } },
    { op: 'replace', route: { family: 6, destination: '::/0', gateway: 'fe80::1', dev: 'dum0' } },
    { op: 'replace', route: { family: 4, destination: '0.0.0.0/0', gateway: '192.168.7.1', dev: 'no-such-dev' } },
    { op: 'replace', route: { family: 6, destination: '2001:db8:9::/48', gateway: '2001:db8:7::1', dev: 'dum0' } },
  ];
  const errors = await table.batch(ops);
  assert.deepEqual(errors.map((error) => error !== null), [false, true, true, false, true, false]);
  assert.match(errors[1] ?? '', /gateway/i);
  assert.match(errors[4] ?? '', /no-such-dev/);
  assert.ok((await table.list(4)).some((r) => r.destination === '10.40.0.0/16' && r.gateway === '192.168.7.254'));
  const six = await table.list(6);
  assert.ok(six.some((r) => r.destination === '::/0' && r.gateway === 'fe80::1'));
  assert.ok(six.some((r) => r.destination === '2001:db8:9::/48'));
  assert.deepEqual(await table.batch([{ op: 'delete', route: ops[0]!.route }]), [null]);
  assert.deepEqual(await table.batch([]), []);
  await assert.rejects(ipRouteTable(['/nonexistent/mdctl-test/ip']).batch(ops), /is not installed/);
});

test('an ip that refuses -batch: the chunk is done again one route at a time, each failure its own', async () => {
  const noBatch = 'for arg; do [ "$arg" != -force ] || { echo "Option \\"-force\\" is unknown" >&2; exit 255; }; done; exec "$0" "$@"';
  const table = ipRouteTable(['sh', '-c', noBatch, 'ip', 'netns', 'exec', ns, 'ip']);
  const good = { family: 4 as const, destination: '10.50.0.0/16', gateway: '192.168.7.254', dev: 'dum0' };
  const errors = await table.batch([
    { op: 'replace', route: good },
    { op: 'replace', route: { family: 4, destination: '10.51.0.0/16', gateway: '10.99.0.1', dev: 'dum0' } },
  ]);
  assert.equal(errors[0], null);
  assert.match(errors[1] ?? '', /^Error: .*gateway/);
  assert.ok((await ipRouteTable(['ip', 'netns', 'exec', ns, 'ip']).list(4)).some((r) => r.destination === '10.50.0.0/16'));
  assert.deepEqual(await table.batch([{ op: 'delete', route: good }]), [null]);
});

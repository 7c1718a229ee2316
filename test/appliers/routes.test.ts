// The routes applier in a network namespace made by the test: add, keep, replace and remove only mdctl's routes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { routesApplier } from '../../src/appliers/routes.js';
import { applyPlanned, planAppliers, rememberedState, type ApplierRun } from '../../src/appliers/runner.js';
import type { Network, Route } from '../../src/core/instance.js';
import { ipRouteTable, type RouteTable } from '../../src/system/iproute.js';
import { addAddr, cleanup, createNetns, run, uniqueName } from '../helpers/netns.js';
import { doc } from './root.js';

const MAC = 'fa:16:3e:5b:a1:0c';
const ns = uniqueName('aprt');
const table = ipRouteTable(['ip', 'netns', 'exec', ns, 'ip']);

const NETWORKS: Network[] = [
  { id: 'network0', type: 'ipv4', link: 'tap0', mac: MAC, network_id: 'n', ip_address: '192.168.0.233', netmask: '255.255.255.0', prefix: 24 },
  { id: 'network1', type: 'ipv4', link: 'tap1', mac: 'fa:16:3e:00:00:99', network_id: 'm', ip_address: '192.168.9.5', netmask: '255.255.255.0', prefix: 24 },
];

function route(destination: string, gateway: string, mac = MAC): Route {
  return { destination, gateway, link: 'tap0', mac, network_id: 'n' };
}

const SEED_ROUTES = [route('0.0.0.0/0', '192.168.0.1'), route('10.20.0.0/16', '192.168.0.254'), route('172.31.5.0/24', '192.168.0.253')];

async function runRoutes(routes: Route[], previous: unknown, options: { live?: boolean; routeTable?: RouteTable } = {}): Promise<{ run: ApplierRun; state: unknown }> {
  const [result] = await planAppliers(
    [routesApplier(options.routeTable ?? table)],
    doc({ networks: NETWORKS, routes }),
    { root: '/', live: options.live ?? true, dryRun: false, user: undefined },
    { routes: previous === undefined ? undefined : { routes: previous } },
  );
  await applyPlanned([result!]);
  return { run: result!, state: rememberedState([result!], {}).routes };
}

async function kernelRoutes(): Promise<string[]> {
  return (await table.list(4)).filter((r) => r.gateway !== null).map((r) => `${r.destination} via ${r.gateway} dev ${r.dev}`);
}

before(async () => {
  await createNetns(ns);
  await run(['ip', '-n', ns, 'link', 'add', 'eth0', 'address', MAC, 'type', 'veth', 'peer', 'name', 'peer0']);
  await run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
  await run(['ip', '-n', ns, 'link', 'set', 'peer0', 'up']);
  await addAddr(ns, 'eth0', '192.168.0.233/24');
  await run(['ip', '-n', ns, 'route', 'add', '169.254.169.254/32', 'via', '192.168.0.3', 'dev', 'eth0']);
});
after(cleanup);

test('not live: every route is planned and skipped, the system is not even read', async () => {
  const refuse = (): Promise<never> => Promise.reject(new Error('the route table must not be used'));
  const untouchable: RouteTable = { links: refuse, list: refuse, batch: refuse };
  const { run: result, state } = await runRoutes(SEED_ROUTES, [{ family: 4, destination: '10.9.0.0/16', gateway: '192.168.0.9', dev: 'eth0' }], {
    live: false,
    routeTable: untouchable,
  });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    result.changes.map((change) => [change.action, change.target, change.skipped]),
    [
      ['create', 'route default via 192.168.0.1', 'not live'],
      ['create', 'route 10.20.0.0/16 via 192.168.0.254', 'not live'],
      ['create', 'route 172.31.5.0/24 via 192.168.0.253', 'not live'],
      ['delete', 'route 10.9.0.0/16 via 192.168.0.9 dev eth0', 'not live'],
    ],
  );
  assert.deepEqual(state, { routes: [{ family: 4, destination: '10.9.0.0/16', gateway: '192.168.0.9', dev: 'eth0' }] });
});

test('live: routes are added on the interface with the MAC; a second run is all noops; leaving routes are removed, others never', async () => {
  const first = await runRoutes(SEED_ROUTES, undefined);
  assert.deepEqual(first.run.errors, []);
  assert.deepEqual(
    first.run.changes.map((change) => [change.action, change.target]),
    [
      ['create', 'route default via 192.168.0.1 dev eth0'],
      ['create', 'route 10.20.0.0/16 via 192.168.0.254 dev eth0'],
      ['create', 'route 172.31.5.0/24 via 192.168.0.253 dev eth0'],
    ],
  );
  assert.deepEqual(await kernelRoutes(), [
    '0.0.0.0/0 via 192.168.0.1 dev eth0',
    '10.20.0.0/16 via 192.168.0.254 dev eth0',
    '169.254.169.254/32 via 192.168.0.3 dev eth0',
    '172.31.5.0/24 via 192.168.0.253 dev eth0',
  ]);
  const owned = (first.state as { routes: unknown[] }).routes;
  assert.equal(owned.length, 3);

  const second = await runRoutes(SEED_ROUTES, owned);
  assert.deepEqual(
    second.run.changes.map((change) => change.action),
    ['noop', 'noop', 'noop'],
  );
  assert.deepEqual(second.state, first.state);

  await run(['ip', '-n', ns, 'route', 'add', '10.99.0.0/16', 'via', '192.168.0.250', 'dev', 'eth0']);
  const third = await runRoutes([SEED_ROUTES[0]!, route('172.31.5.0/24', '192.168.0.252')], owned);
  assert.deepEqual(
    third.run.changes.map((change) => [change.action, change.target]),
    [
      ['noop', 'route default via 192.168.0.1 dev eth0'],
      ['update', 'route 172.31.5.0/24 via 192.168.0.252 dev eth0'],
      ['delete', 'route 10.20.0.0/16 via 192.168.0.254 dev eth0'],
    ],
  );
  assert.deepEqual(await kernelRoutes(), [
    '0.0.0.0/0 via 192.168.0.1 dev eth0',
    '10.99.0.0/16 via 192.168.0.250 dev eth0',
    '169.254.169.254/32 via 192.168.0.3 dev eth0',
    '172.31.5.0/24 via 192.168.0.252 dev eth0',
  ]);
  assert.equal((third.state as { routes: unknown[] }).routes.length, 2);

  const last = await runRoutes([], (third.state as { routes: unknown[] }).routes);
  assert.deepEqual(await kernelRoutes(), ['10.99.0.0/16 via 192.168.0.250 dev eth0', '169.254.169.254/32 via 192.168.0.3 dev eth0']);
  assert.deepEqual(last.state, { routes: [] });
  await run(['ip', '-n', ns, 'route', 'del', '10.99.0.0/16']);
});

test('an existing default route that is not mdctl’s is left alone', async () => {
  await run(['ip', '-n', ns, 'route', 'add', 'default', 'via', '192.168.0.7', 'dev', 'eth0']);
  try {
    const { run: result, state } = await runRoutes([SEED_ROUTES[0]!], undefined);
    assert.deepEqual(
      result.changes.map((change) => [change.action, change.summary]),
      [['noop', 'a default route exists (default via 192.168.0.7 dev eth0); left alone']],
    );
    assert.deepEqual(state, { routes: [] });
    assert.deepEqual(await kernelRoutes(), ['0.0.0.0/0 via 192.168.0.7 dev eth0', '169.254.169.254/32 via 192.168.0.3 dev eth0']);
  } finally {
    await run(['ip', '-n', ns, 'route', 'del', 'default']);
  }
});

test('refused routes fail the applier by name, the metadata route is never replaced, unknown MACs are skipped; the rest applies', async () => {
  const { run: result, state } = await runRoutes(
    [
      route('10.20.0.1/16', '192.168.0.254'),
      route('10.30.0.0/16', '10.0.0.1'),
      route('169.254.169.254/32', '192.168.0.9'),
      route('10.40.0.0/16', '192.168.9.254', 'fa:16:3e:00:00:99'),
      route('10.50.0.0/16', '192.168.0.254'),
    ],
    undefined,
  );
  assert.equal(result.errors.length, 2);
  assert.match(result.errors[0] ?? '', /"10.20.0.1\/16 via 192.168.0.254" refused: address bits set/);
  assert.match(result.errors[1] ?? '', /"10.30.0.0\/16 via 10.0.0.1" refused: gateway is not on the link/);
  assert.equal(result.warnings.length, 2);
  assert.match(result.warnings[0] ?? '', /169.254.169.254\/32 via 192.168.0.9.*metadata service/);
  assert.match(result.warnings[1] ?? '', /10.40.0.0\/16 via 192.168.9.254.*no interface has MAC "fa:16:3e:00:00:99"/);
  assert.deepEqual(
    result.changes.map((change) => change.target),
    ['route 10.50.0.0/16 via 192.168.0.254 dev eth0'],
  );
  assert.deepEqual(await kernelRoutes(), ['10.50.0.0/16 via 192.168.0.254 dev eth0', '169.254.169.254/32 via 192.168.0.3 dev eth0']);
  await runRoutes([], (state as { routes: unknown[] }).routes);
  assert.deepEqual(await kernelRoutes(), ['169.254.169.254/32 via 192.168.0.3 dev eth0']);
});

test('a route of someone else to the same destination is kept, with a warning naming it; it never becomes mdctl’s', async () => {
  await run(['ip', '-n', ns, 'route', 'add', '10.20.0.0/16', 'via', '192.168.0.250', 'dev', 'eth0']);
  try {
    const { run: result, state } = await runRoutes([route('10.20.0.0/16', '192.168.0.254'), route('10.21.0.0/16', '192.168.0.254')], undefined);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.changes.map((change) => [change.action, change.summary]),
      [
        ['noop', 'a route of someone else to 10.20.0.0/16 exists (10.20.0.0/16 via 192.168.0.250 dev eth0); left alone'],
        ['create', 'add'],
      ],
    );
    assert.deepEqual(result.warnings, ['route "10.20.0.0/16 via 192.168.0.254 dev eth0" not added: a route of someone else to 10.20.0.0/16 exists (10.20.0.0/16 via 192.168.0.250 dev eth0); left alone']);
    assert.deepEqual(await kernelRoutes(), ['10.20.0.0/16 via 192.168.0.250 dev eth0', '10.21.0.0/16 via 192.168.0.254 dev eth0', '169.254.169.254/32 via 192.168.0.3 dev eth0']);
    const owned = (state as { routes: unknown[] }).routes;
    assert.deepEqual(owned, [{ family: 4, destination: '10.21.0.0/16', gateway: '192.168.0.254', dev: 'eth0' }]);
    await runRoutes([], owned);
    assert.deepEqual(await kernelRoutes(), ['10.20.0.0/16 via 192.168.0.250 dev eth0', '169.254.169.254/32 via 192.168.0.3 dev eth0'], 'theirs stays when ours leaves');
  } finally {
    await run(['ip', '-n', ns, 'route', 'del', '10.20.0.0/16']);
  }
});

test('a route of prefix length 1 is a default route: left alone where a default exists, added where none does', async () => {
  await run(['ip', '-n', ns, 'route', 'add', 'default', 'via', '192.168.0.7', 'dev', 'eth0']);
  try {
    const { run: result, state } = await runRoutes([route('0.0.0.0/1', '192.168.0.1')], undefined);
    assert.deepEqual(result.changes.map((change) => [change.action, change.summary]), [['noop', 'a default route exists (default via 192.168.0.7 dev eth0); left alone']]);
    assert.match(result.warnings[0] ?? '', /"0.0.0.0\/1 via 192.168.0.1 dev eth0" not added: a default route exists/);
    assert.deepEqual(state, { routes: [] });
    assert.deepEqual(await kernelRoutes(), ['0.0.0.0/0 via 192.168.0.7 dev eth0', '169.254.169.254/32 via 192.168.0.3 dev eth0']);
  } finally {
    await run(['ip', '-n', ns, 'route', 'del', 'default']);
  }
  await run(['ip', '-n', ns, 'route', 'add', '0.0.0.0/1', 'via', '192.168.0.7', 'dev', 'eth0']);
  try {
    const { run: result } = await runRoutes([route('0.0.0.0/0', '192.168.0.1')], undefined);
    assert.deepEqual(result.changes.map((change) => change.action), ['noop'], 'half a default route of someone else counts as a default route');
  } finally {
    await run(['ip', '-n', ns, 'route', 'del', '0.0.0.0/1']);
  }
  const { run: added, state } = await runRoutes([route('0.0.0.0/1', '192.168.0.1')], undefined);
  assert.deepEqual(added.changes.map((change) => change.action), ['create']);
  assert.deepEqual(await kernelRoutes(), ['0.0.0.0/1 via 192.168.0.1 dev eth0', '169.254.169.254/32 via 192.168.0.3 dev eth0']);
  await runRoutes([], (state as { routes: unknown[] }).routes);
  assert.deepEqual(await kernelRoutes(), ['169.254.169.254/32 via 192.168.0.3 dev eth0']);
});

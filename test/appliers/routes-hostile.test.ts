// The routes applier against odd metadata and systems: a gateway that is our own address, upper-case MACs, ip missing, a route the admin changed, link-local IPv6 gateways.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routesApplier } from '../../src/appliers/routes.js';
import { applyPlanned, planAppliers, type ApplierRun } from '../../src/appliers/runner.js';
import type { Network, Route } from '../../src/core/instance.js';
import { ipRouteTable, type KernelRoute, type RouteSpec, type RouteTable } from '../../src/system/iproute.js';
import { doc } from './root.js';

const MAC = 'fa:16:3e:5b:a1:0c';
const NETWORKS: Network[] = [
  { id: 'network0', type: 'ipv4', link: 'tap0', mac: MAC.toUpperCase(), network_id: 'n', ip_address: '192.168.0.233', netmask: '255.255.255.0', prefix: 24 },
  { id: 'network1', type: 'ipv6', link: 'tap0', mac: MAC.toUpperCase(), network_id: 'n', ip_address: '2001:db8::5', netmask: null, prefix: 64 },
];

function route(destination: string, gateway: string): Route {
  return { destination, gateway, link: 'tap0', mac: MAC.toUpperCase(), network_id: 'n' };
}

/** A routing table held in memory: what `ip` would show and do, for the planning logic. */
function memoryTable(routes: KernelRoute[]): RouteTable & { routes: KernelRoute[] } {
  const replace = async (spec: RouteSpec): Promise<void> => {
    const at = routes.findIndex((r) => r.family === spec.family && r.destination === spec.destination);
    if (at >= 0) routes.splice(at, 1);
    routes.push({ ...spec });
  };
  const remove = async (spec: RouteSpec): Promise<void> => {
    const at = routes.findIndex((r) => r.family === spec.family && r.destination === spec.destination && r.gateway === spec.gateway);
    if (at >= 0) routes.splice(at, 1);
  };
  return {
    routes,
    links: async () => [{ name: 'eth0', mac: MAC }],
    list: async (family) => routes.filter((r) => r.family === family),
    batch: async (ops) => {
      for (const { op, route } of ops) await (op === 'replace' ? replace(route) : remove(route));
      return ops.map(() => null);
    },
  };
}

async function runRoutes(table: RouteTable, routes: Route[], previous?: unknown): Promise<ApplierRun> {
  const [result] = await planAppliers([routesApplier(table)], doc({ networks: NETWORKS, routes }), { root: '/', live: true, dryRun: false, user: undefined }, { routes: previous });
  await applyPlanned([result!]);
  return result!;
}

test('a route through our own address is refused by name; the others apply on the interface of the upper-case MAC', async () => {
  const table = memoryTable([]);
  const result = await runRoutes(table, [route('10.60.0.0/16', '192.168.0.233'), route('10.61.0.0/16', '192.168.0.1'), route('::/0', 'fe80::1')]);
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0] ?? '', /"10.60.0.0\/16 via 192.168.0.233" refused: gateway is an address of this machine/);
  assert.deepEqual(
    table.routes.map((r) => `${r.destination} via ${r.gateway} dev ${r.dev}`),
    ['10.61.0.0/16 via 192.168.0.1 dev eth0', '::/0 via fe80::1 dev eth0'],
  );
});

test('a route mdctl added and the admin then changed is not deleted when it leaves the metadata', async () => {
  const table = memoryTable([{ family: 4, destination: '10.20.0.0/16', gateway: '192.168.0.250', dev: 'eth0' }]);
  const previous = { routes: [{ family: 4, destination: '10.20.0.0/16', gateway: '192.168.0.254', dev: 'eth0' }] };
  const result = await runRoutes(table, [], previous);
  assert.deepEqual(result.changes, []);
  assert.deepEqual(table.routes, [{ family: 4, destination: '10.20.0.0/16', gateway: '192.168.0.250', dev: 'eth0' }]);
});

test('a route that was there before mdctl and that the metadata lists is kept with a warning naming it, and never becomes mdctl\'s to delete', async () => {
  const table = memoryTable([{ family: 4, destination: '10.20.0.0/16', gateway: '192.168.0.250', dev: 'eth0' }]);
  const applier = routesApplier(table);
  const first = await runRoutes(table, [route('10.20.0.0/16', '192.168.0.254'), route('10.21.0.0/16', '192.168.0.254')]);
  assert.deepEqual(first.changes.map((c) => c.action), ['noop', 'create']);
  assert.deepEqual(first.warnings, ['route "10.20.0.0/16 via 192.168.0.254 dev eth0" not added: a route of someone else to 10.20.0.0/16 exists (10.20.0.0/16 via 192.168.0.250 dev eth0); left alone']);
  const remembered = applier.remember?.(first.results, { previous: undefined } as never) as { routes: RouteSpec[] };
  assert.deepEqual(remembered.routes.map((r) => r.destination), ['10.21.0.0/16']);
  const second = await runRoutes(table, [], remembered);
  assert.deepEqual(second.changes.map((c) => `${c.action} ${c.target}`), ['delete route 10.21.0.0/16 via 192.168.0.254 dev eth0']);
  assert.deepEqual(table.routes.map((r) => r.destination), ['10.20.0.0/16']);
});

test('ip missing from the system fails the routes applier with a one-line message naming it', async () => {
  const result = await runRoutes(ipRouteTable(['/nonexistent/mdctl-test/ip']), [route('10.61.0.0/16', '192.168.0.1')]);
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0] ?? '', /"\/nonexistent\/mdctl-test\/ip" is not installed/);
  assert.ok(!result.errors[0]?.includes('\n'));
});

test('while a run is under way, a route being added (or whose adding failed) is owned, one being deleted or changed is owned as it was until that is done', async () => {
  const mine = (destination: string, gateway: string): RouteSpec => ({ family: 4, destination, gateway, dev: 'eth0' });
  const table = memoryTable([mine('10.1.0.0/16', '192.168.0.1'), mine('10.2.0.0/16', '192.168.0.1')]);
  const applier = routesApplier(table);
  const previous = { routes: [mine('10.1.0.0/16', '192.168.0.1'), mine('10.2.0.0/16', '192.168.0.1')] };
  const [planned] = await planAppliers([applier], doc({ networks: NETWORKS, routes: [route('10.1.0.0/16', '192.168.0.9'), route('10.3.0.0/16', '192.168.0.1'), route('10.4.0.0/16', '192.168.0.1')] }), { root: '/', live: true, dryRun: false, user: undefined }, { routes: previous });
  const changes = planned!.changes;
  assert.deepEqual(changes.map((c) => `${c.action} ${c.target}`), [
    'update route 10.1.0.0/16 via 192.168.0.9 dev eth0',
    'create route 10.3.0.0/16 via 192.168.0.1 dev eth0',
    'create route 10.4.0.0/16 via 192.168.0.1 dev eth0',
    'delete route 10.2.0.0/16 via 192.168.0.1 dev eth0',
  ]);
  const owned = (statuses: string[]) =>
    (applier.remember?.(changes.map((change, i) => ({ change, status: statuses[i] as 'started' })), planned!.ctx) as { routes: RouteSpec[] }).routes.map((r) => `${r.destination} via ${r.gateway}`).sort();
  assert.deepEqual(owned(['started', 'started', 'pending', 'started']), ['10.1.0.0/16 via 192.168.0.1', '10.1.0.0/16 via 192.168.0.9', '10.2.0.0/16 via 192.168.0.1', '10.3.0.0/16 via 192.168.0.1']);
  assert.deepEqual(owned(['applied', 'applied', 'pending', 'applied']), ['10.1.0.0/16 via 192.168.0.9', '10.3.0.0/16 via 192.168.0.1']);
  assert.deepEqual(owned(['failed', 'failed', 'failed', 'failed']), ['10.1.0.0/16 via 192.168.0.1', '10.1.0.0/16 via 192.168.0.9', '10.2.0.0/16 via 192.168.0.1', '10.3.0.0/16 via 192.168.0.1', '10.4.0.0/16 via 192.168.0.1'], 'a failed chunk may have added some of its routes');
  // The next run after a kill in the middle: whichever gateway 10.1 has, it is mdctl's to change again.
  table.routes.splice(0, table.routes.length, mine('10.1.0.0/16', '192.168.0.1'), mine('10.2.0.0/16', '192.168.0.1'), mine('10.3.0.0/16', '192.168.0.1'));
  const after = await runRoutes(table, [route('10.1.0.0/16', '192.168.0.8')], { routes: [mine('10.1.0.0/16', '192.168.0.1'), mine('10.1.0.0/16', '192.168.0.9'), mine('10.2.0.0/16', '192.168.0.1'), mine('10.3.0.0/16', '192.168.0.1')] });
  assert.deepEqual(after.changes.map((c) => c.action), ['update', 'delete', 'delete']);
  assert.deepEqual(table.routes.map((r) => `${r.destination} via ${r.gateway}`), ['10.1.0.0/16 via 192.168.0.8']);
});

// The routes applier: network_data routes on the interface whose MAC matches, through `ip route`; only mdctl's own routes are removed.
import { quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { capturesMetadataService, checkRoute, type CheckedRoute } from '../model/routes.js';
import type { Family, KernelRoute, RouteSpec, RouteTable } from '../system/iproute.js';
import { interfacesByMac } from '../system/mac-map.js';
import type { Applier, ApplyContext, Change, ChangeResult } from './types.js';

const ID = 'routes';

/** What plan() hands apply(): replace (add or change) a route, delete one, or keep one as it is. */
interface RouteEffect {
  op: 'replace' | 'delete' | 'keep';
  route: RouteSpec | { family: Family; destination: string; gateway: string; dev: string | null };
}

interface Remembered {
  routes: RouteSpec[];
}

function keyOf(route: { family: Family; destination: string }): string {
  return `${route.family} ${route.destination}`;
}

function describe(route: { destination: string; gateway: string; dev?: string | null }): string {
  const destination = route.destination === '0.0.0.0/0' || route.destination === '::/0' ? 'default' : route.destination;
  return `${destination} via ${route.gateway}${route.dev === undefined || route.dev === null ? '' : ` dev ${route.dev}`}`;
}

function rememberedRoutes(previous: unknown): RouteSpec[] {
  const routes = (previous as Partial<Remembered> | undefined)?.routes;
  if (!Array.isArray(routes)) return [];
  return routes.filter(
    (route): route is RouteSpec =>
      typeof route === 'object' &&
      route !== null &&
      (route.family === 4 || route.family === 6) &&
      typeof route.destination === 'string' &&
      typeof route.gateway === 'string' &&
      typeof route.dev === 'string',
  );
}

function change(action: Change['action'], summary: string, effect: RouteEffect, extra: Partial<Change> = {}): Change {
  return { applier: ID, action, target: `route ${describe(effect.route)}`, summary, data: effect, ...extra };
}

/** The routes of the document that may be applied; refused ones are reported through ctx. */
function wantedRoutes(doc: Instance, ctx: ApplyContext): CheckedRoute[] {
  const wanted: CheckedRoute[] = [];
  for (const route of doc.routes) {
    let checked: CheckedRoute;
    try {
      checked = checkRoute(route, doc.networks);
    } catch (error) {
      ctx.refuse((error as Error).message);
      continue;
    }
    if (capturesMetadataService(checked)) {
      ctx.warn(`route ${quote(describe(checked))} skipped: it would carry the traffic to the metadata service`);
      continue;
    }
    if (!wanted.some((other) => keyOf(other) === keyOf(checked))) wanted.push(checked);
  }
  return wanted;
}

function planLive(wanted: CheckedRoute[], owned: RouteSpec[], devByMac: Map<string, string>, kernel: KernelRoute[], ctx: ApplyContext): Change[] {
  const changes: Change[] = [];
  for (const route of wanted) {
    const dev = route.mac === null ? undefined : devByMac.get(route.mac);
    if (dev === undefined) {
      ctx.warn(`route ${quote(describe(route))} skipped: no interface has MAC ${quote(route.mac ?? 'none')}`);
      continue;
    }
    const spec: RouteSpec = { family: route.family, destination: route.destination, gateway: route.gateway, dev };
    const mine = owned.some((other) => keyOf(other) === keyOf(spec));
    const present = kernel.filter((existing) => existing.family === spec.family && existing.destination === spec.destination);
    if (present.some((existing) => existing.gateway === spec.gateway && existing.dev === spec.dev)) {
      changes.push(change('noop', 'present', { op: 'keep', route: spec }));
    } else if (route.prefix === 0 && present.length > 0 && !mine) {
      const other = present[0] as KernelRoute;
      changes.push(change('noop', `a default route exists (${describe({ ...other, gateway: other.gateway ?? 'on-link' })}); left alone`, { op: 'keep', route: spec }));
    } else if (present.length > 0) {
      const other = present[0] as KernelRoute;
      changes.push(change('update', 'replace', { op: 'replace', route: spec }, { before: describe({ ...other, gateway: other.gateway ?? 'on-link' }), after: describe(spec) }));
    } else {
      changes.push(change('create', 'add', { op: 'replace', route: spec }, { after: describe(spec) }));
    }
  }
  for (const route of owned) {
    if (wanted.some((other) => keyOf(other) === keyOf(route))) continue;
    const present = kernel.some((existing) => keyOf(existing) === keyOf(route) && existing.gateway === route.gateway && existing.dev === route.dev);
    if (present) changes.push(change('delete', 'added by mdctl, no longer in the metadata', { op: 'delete', route }, { before: describe(route) }));
  }
  return changes;
}

export function routesApplier(table: RouteTable): Applier {
  return {
    id: ID,
    description: 'adds the static routes of network_data.json on the interface with the matching MAC',
    async plan(doc, ctx) {
      const wanted = wantedRoutes(doc, ctx);
      const owned = rememberedRoutes(ctx.previous);
      if (!ctx.live) {
        const changes = wanted.map((route) =>
          change('create', 'add', { op: 'replace', route: { ...route, dev: null } }, { after: describe(route), skipped: 'not live' }),
        );
        for (const route of owned) {
          if (!wanted.some((other) => keyOf(other) === keyOf(route))) {
            changes.push(change('delete', 'added by mdctl, no longer in the metadata', { op: 'delete', route }, { before: describe(route), skipped: 'not live' }));
          }
        }
        return changes;
      }
      if (wanted.length === 0 && owned.length === 0) return [];
      const devByMac = interfacesByMac(await table.links());
      const families = [...new Set([...wanted, ...owned].map((route) => route.family))].sort();
      const kernel = (await Promise.all(families.map((family) => table.list(family)))).flat();
      return planLive(wanted, owned, devByMac, kernel, ctx);
    },
    async apply(planned) {
      const effect = planned.data as RouteEffect | undefined;
      if (effect === undefined || effect.route.dev === null) return;
      const route = effect.route as RouteSpec;
      if (effect.op === 'replace') await table.replace(route);
      else if (effect.op === 'delete') await table.remove(route);
    },
    remember(results: ChangeResult[], ctx) {
      const previous = rememberedRoutes(ctx.previous);
      const owned = new Map<string, RouteSpec>();
      for (const { change: planned, status } of results) {
        const effect = planned.data as RouteEffect | undefined;
        if (effect === undefined) continue;
        const key = keyOf(effect.route);
        const before = previous.find((route) => keyOf(route) === key);
        // A route that was there before mdctl (replaced, not added) never becomes mdctl's to delete.
        const added = planned.action === 'create' || before !== undefined;
        if (effect.op === 'replace' && status === 'applied' && effect.route.dev !== null && added) owned.set(key, effect.route as RouteSpec);
        else if (effect.op === 'delete' && status === 'applied') owned.delete(key);
        else if (effect.op === 'keep' && before !== undefined && effect.route.dev !== null) owned.set(key, effect.route as RouteSpec);
        else if (before !== undefined && (status === 'failed' || status === 'skipped')) owned.set(key, before);
      }
      return { routes: [...owned.values()] } satisfies Remembered;
    },
  };
}

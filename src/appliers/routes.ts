// The routes applier: network_data routes on the interface whose MAC matches, through `ip -batch` in chunks; others' routes are left alone, only mdctl's own are removed.
import { quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { capturesMetadataService, checkRoute, type CheckedRoute } from '../model/routes.js';
import { ROUTE_CHUNK, type Family, type KernelRoute, type RouteOp, type RouteSpec, type RouteTable } from '../system/iproute.js';
import { interfacesByMac } from '../system/mac-map.js';
import type { Applier, ApplyContext, Change, ProgressResult } from './types.js';

const ID = 'routes';

/**
 * What plan() hands apply(): replace (add, or change a route of mdctl's), delete one of mdctl's,
 * keep one that is as asked, or leave alone a route of someone else in the way.
 */
interface RouteEffect {
  op: 'replace' | 'delete' | 'keep' | 'leave';
  route: RouteSpec | { family: Family; destination: string; gateway: string; dev: string | null };
}

interface Remembered {
  /** The routes mdctl added; two for one destination while a change of gateway may or may not have happened. */
  routes: RouteSpec[];
}

function keyOf(route: { family: Family; destination: string }): string {
  return `${route.family} ${route.destination}`;
}

function specKey(route: { family: Family; destination: string; gateway: string | null; dev: string | null }): string {
  return `${keyOf(route)} ${route.gateway ?? 'on-link'} ${route.dev ?? ''}`;
}

function prefixOf(destination: string): number {
  return Number(destination.split('/')[1]);
}

function describe(route: { destination: string; gateway: string | null; dev?: string | null }): string {
  const destination = route.destination === '0.0.0.0/0' || route.destination === '::/0' ? 'default' : route.destination;
  return `${destination} ${route.gateway === null ? 'on-link' : `via ${route.gateway}`}${route.dev === undefined || route.dev === null ? '' : ` dev ${route.dev}`}`;
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
  const seen = new Set<string>();
  for (const route of doc.routes ?? []) {
    let checked: CheckedRoute;
    try {
      checked = checkRoute(route, doc.networks ?? []);
    } catch (error) {
      ctx.refuse((error as Error).message);
      continue;
    }
    if (capturesMetadataService(checked)) {
      ctx.warn(`route ${quote(describe(checked))} skipped: it would carry the traffic to the metadata service`);
      continue;
    }
    if (!seen.has(keyOf(checked))) wanted.push(checked);
    seen.add(keyOf(checked));
  }
  return wanted;
}

/** The kernel's routes indexed for planning thousands of routes: by destination, and mdctl's own by route. */
interface KernelView {
  byKey: Map<string, KernelRoute[]>;
  /** specKey of every route mdctl remembers adding. */
  owned: Set<string>;
  /** Default and half-default routes (prefix 0 or 1) that are not mdctl's. */
  othersWide: KernelRoute[];
}

function kernelView(kernel: KernelRoute[], owned: RouteSpec[]): KernelView {
  const byKey = new Map<string, KernelRoute[]>();
  for (const route of kernel) byKey.set(keyOf(route), [...(byKey.get(keyOf(route)) ?? []), route]);
  const mine = new Set(owned.map(specKey));
  return { byKey, owned: mine, othersWide: kernel.filter((route) => prefixOf(route.destination) <= 1 && !mine.has(specKey(route))) };
}

/**
 * One wanted route against the kernel: as asked (keep); mdctl's with another gateway (replace);
 * a route of someone else to that destination, or for a default route (prefix 0 or 1) any
 * default or half-default route of someone else, is left alone with a warning; else added.
 */
function planRoute(spec: RouteSpec, view: KernelView, ctx: ApplyContext): Change {
  const present = view.byKey.get(keyOf(spec)) ?? [];
  if (present.some((existing) => specKey(existing) === specKey(spec))) return change('noop', 'present', { op: 'keep', route: spec });
  const mine = present.find((existing) => view.owned.has(specKey(existing)));
  if (mine !== undefined) return change('update', 'replace', { op: 'replace', route: spec }, { before: describe(mine), after: describe(spec) });
  const wide = prefixOf(spec.destination) <= 1 ? view.othersWide.find((existing) => existing.family === spec.family) : undefined;
  const other = wide ?? present[0];
  if (other !== undefined) {
    const what = wide === undefined ? `a route of someone else to ${spec.destination} exists` : 'a default route exists';
    ctx.warn(`route ${quote(describe(spec))} not added: ${what} (${describe(other)}); left alone`);
    return change('noop', `${what} (${describe(other)}); left alone`, { op: 'leave', route: spec });
  }
  return change('create', 'add', { op: 'replace', route: spec }, { after: describe(spec) });
}

function planLive(wanted: CheckedRoute[], owned: RouteSpec[], devByMac: Map<string, string>, kernel: KernelRoute[], ctx: ApplyContext): Change[] {
  const changes: Change[] = [];
  const view = kernelView(kernel, owned);
  for (const route of wanted) {
    const dev = route.mac === null ? undefined : devByMac.get(route.mac);
    if (dev === undefined) {
      ctx.warn(`route ${quote(describe(route))} skipped: no interface has MAC ${quote(route.mac ?? 'none')}`);
      continue;
    }
    changes.push(planRoute({ family: route.family, destination: route.destination, gateway: route.gateway, dev }, view, ctx));
  }
  const wantedKeys = new Set(wanted.map(keyOf));
  for (const route of owned) {
    if (wantedKeys.has(keyOf(route))) continue;
    if ((view.byKey.get(keyOf(route)) ?? []).some((existing) => specKey(existing) === specKey(route))) {
      changes.push(change('delete', 'added by mdctl, no longer in the metadata', { op: 'delete', route }, { before: describe(route) }));
    }
  }
  return changes;
}

/**
 * The routes mdctl owns after these results, also while the run is under way: a route being
 * added, or whose adding failed, counts as added (the next run finds it present and owned, or
 * absent and forgets it); a route being deleted or changed still counts as it was until that
 * is done.
 */
function ownedAfter(results: ProgressResult[], previous: RouteSpec[]): RouteSpec[] {
  const owned = new Map<string, RouteSpec>();
  const own = (route: RouteSpec): void => void owned.set(specKey(route), route);
  const previousByKey = new Map<string, RouteSpec[]>();
  for (const route of previous) previousByKey.set(keyOf(route), [...(previousByKey.get(keyOf(route)) ?? []), route]);
  for (const { change: planned, status } of results) {
    const effect = planned.data as RouteEffect | undefined;
    if (effect === undefined) continue;
    const before = previousByKey.get(keyOf(effect.route)) ?? [];
    const route = effect.route.dev === null ? null : (effect.route as RouteSpec);
    if (effect.op === 'replace') {
      if (status !== 'applied') before.forEach(own);
      // A failed chunk (ip killed by its timeout) may have added some of its routes: owning one that is not there is harmless.
      if (route !== null && (status === 'applied' || status === 'started' || status === 'failed')) own(route);
    } else if (effect.op === 'delete') {
      if (status !== 'applied' && route !== null) own(route);
    } else if (effect.op === 'keep' && before.length > 0 && route !== null) own(route);
  }
  return [...owned.values()];
}

/** Applies up to ROUTE_CHUNK planned changes in one `ip -batch`; one entry per change (null: done). */
async function applyRoutes(table: RouteTable, changes: Change[]): Promise<(string | null)[]> {
  const ops: RouteOp[] = [];
  const at = changes.map((planned) => {
    const effect = planned.data as RouteEffect | undefined;
    if (effect === undefined || effect.route.dev === null || (effect.op !== 'replace' && effect.op !== 'delete')) return -1;
    ops.push({ op: effect.op, route: effect.route as RouteSpec });
    return ops.length - 1;
  });
  const errors = await table.batch(ops);
  return at.map((index) => (index < 0 ? null : (errors[index] ?? null)));
}

export function routesApplier(table: RouteTable): Applier {
  return {
    id: ID,
    description: 'adds the static routes of network_data.json on the interface with the matching MAC',
    needs: ['routes', 'networks'],
    async plan(doc, ctx) {
      const wanted = wantedRoutes(doc, ctx);
      const owned = rememberedRoutes(ctx.previous);
      if (!ctx.live) {
        const changes = wanted.map((route) =>
          change('create', 'add', { op: 'replace', route: { ...route, dev: null } }, { after: describe(route), skipped: 'not live' }),
        );
        const wantedKeys = new Set(wanted.map(keyOf));
        for (const route of owned) {
          if (!wantedKeys.has(keyOf(route))) {
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
    recordsProgress: true,
    chunkSize: ROUTE_CHUNK,
    async apply(planned) {
      const [why] = await applyRoutes(table, [planned]);
      if (why !== null && why !== undefined) throw new Error(why);
    },
    applyChunk: (changes) => applyRoutes(table, changes),
    remember(results: ProgressResult[], ctx) {
      return { routes: ownedAfter(results, rememberedRoutes(ctx.previous)) } satisfies Remembered;
    },
  };
}

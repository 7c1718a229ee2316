// Kernel routes and links through iproute2 (`ip -j`), run without a shell; pure parsers for its JSON.
import { MdctlError, quote } from '../core/errors.js';
import { exec as defaultExec, type Exec } from './exec.js';

export type Family = 4 | 6;

export interface KernelRoute {
  family: Family;
  /** CIDR; the default route is "0.0.0.0/0" or "::/0". */
  destination: string;
  gateway: string | null;
  dev: string | null;
}

/** The route mdctl asks for: always a gateway and an interface. */
export interface RouteSpec {
  family: Family;
  destination: string;
  gateway: string;
  dev: string;
}

export interface Link {
  name: string;
  /** Lower-case MAC address. */
  mac: string;
  /** The hardware's own MAC when it differs from the current one (`permaddr`), lower case. */
  permanentMac?: string;
  /** linkinfo.info_kind with `ip -d`: "veth", "vlan", "bond"... */
  kind?: string;
}

function parseJsonArray(text: string, what: string): Record<string, unknown>[] {
  let value: unknown;
  try {
    value = JSON.parse(text === '' ? '[]' : text);
  } catch (error) {
    throw new MdctlError('ERR_EXEC', `cannot read ${what}: ip printed invalid JSON`, { cause: error });
  }
  if (!Array.isArray(value)) throw new MdctlError('ERR_EXEC', `cannot read ${what}: ip printed ${quote(typeof value)}, not a list`);
  return value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Parses `ip -j -4|-6 route show` output. */
export function parseIpRoutes(json: string, family: Family): KernelRoute[] {
  return parseJsonArray(json, 'routes').flatMap((item) => {
    const dst = text(item.dst);
    if (dst === null) return [];
    let destination = dst;
    if (dst === 'default') destination = family === 4 ? '0.0.0.0/0' : '::/0';
    else if (!dst.includes('/')) destination = `${dst}/${family === 4 ? 32 : 128}`;
    return [{ family, destination, gateway: text(item.gateway), dev: text(item.dev) }];
  });
}

/** Parses `ip -j link show` output into interfaces with an Ethernet-style address. */
export function parseIpLinks(json: string): Link[] {
  return parseJsonArray(json, 'links').flatMap((item) => {
    const name = text(item.ifname);
    const mac = text(item.address);
    if (name === null || mac === null || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) return [];
    const permanent = text(item.permaddr);
    const kind = text((item.linkinfo as Record<string, unknown> | undefined)?.info_kind);
    return [{ name, mac: mac.toLowerCase(), ...(permanent === null ? {} : { permanentMac: permanent.toLowerCase() }), ...(kind === null ? {} : { kind }) }];
  });
}

function routeArgs(route: RouteSpec): string[] {
  const prefix = Number(route.destination.split('/')[1]);
  const destination = prefix === 0 ? 'default' : route.destination;
  return [destination, 'via', route.gateway, 'dev', route.dev];
}

export interface RouteTable {
  links(): Promise<Link[]>;
  list(family: Family): Promise<KernelRoute[]>;
  replace(route: RouteSpec): Promise<void>;
  remove(route: RouteSpec): Promise<void>;
}

/**
 * The kernel's main routing table through `ip`. `command` is how to run ip, e.g.
 * ["ip"] or ["ip", "netns", "exec", "ns1", "ip"].
 */
export function ipRouteTable(command: readonly string[] = ['ip'], run: Exec = defaultExec): RouteTable {
  return {
    async links() {
      return parseIpLinks((await run([...command, '-d', '-j', 'link', 'show'])).stdout);
    },
    async list(family) {
      return parseIpRoutes((await run([...command, '-j', `-${family}`, 'route', 'show', 'table', 'main'])).stdout, family);
    },
    async replace(route) {
      await run([...command, `-${route.family}`, 'route', 'replace', ...routeArgs(route), 'proto', 'static']);
    },
    async remove(route) {
      await run([...command, `-${route.family}`, 'route', 'del', ...routeArgs(route)]);
    },
  };
}

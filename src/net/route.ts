// Route discovery: pure parsers of /proc/net/route, /proc/net/if_inet6 and /sys/class/net, and a reader under a root dir.
import { readFile } from 'node:fs/promises';
import { endianness, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import { METADATA_IPV4, METADATA_IPV6, hexToIpv4, netmaskToPrefix, sameIpv4Subnet } from '../core/ip.js';

/** Route flags of /proc/net/route (linux/route.h). */
const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;
/** Interface flags of /sys/class/net/<if>/flags (linux/if.h). */
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
/** Address scope and flags of /proc/net/if_inet6. */
const SCOPE_LINK = 0x20;
const IFA_F_DADFAILED = 0x08;

/** One line of /proc/net/route, decoded. */
interface KernelRoute {
  interface: string;
  destination: string;
  gateway: string | null;
  flags: number;
  metric: number;
  mask: string;
  prefix: number;
}

/** The IPv4 route the kernel would use for 169.254.169.254. */
export interface Ipv4Route {
  destination: string;
  prefix: number;
  interface: string;
  /** null when the service is on-link. */
  gateway: string | null;
  metric: number;
  /** The interface's IPv4 address, when it could be read cheaply (live root only). */
  source?: string;
  /** A /32 host route to 169.254.169.254 via a gateway, as DHCP option 121 installs it. */
  optionRoute121: boolean;
}

interface Ipv6Candidate {
  address: typeof METADATA_IPV6;
  /** The zone (scope id) to reach the address with: the interface name. */
  zone: string;
  interface: string;
}

export interface RouteReport {
  ipv4: Ipv4Route | null;
  ipv6: Ipv6Candidate[];
}

/** One link-local address line of /proc/net/if_inet6. */
interface Inet6Address {
  address: string;
  ifindex: number;
  prefix: number;
  scope: number;
  flags: number;
  interface: string;
}

export interface LinkState {
  /** IFF_* flags from /sys/class/net/<if>/flags. */
  flags: number;
  /** /sys/class/net/<if>/operstate, e.g. "up", "down", "unknown". */
  operstate: string;
}

/** Parse /proc/net/route; lines that do not parse are skipped. */
export function parseProcNetRoute(text: string, littleEndian = true): KernelRoute[] {
  const routes: KernelRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    const [name, destHex, gatewayHex, flagsHex, , , metricText, maskHex] = fields as [
      string, string, string, string, string, string, string, string,
    ];
    const destination = hexToIpv4(destHex, littleEndian);
    const gateway = hexToIpv4(gatewayHex, littleEndian);
    const mask = hexToIpv4(maskHex, littleEndian);
    const flags = parseInt(flagsHex, 16);
    const metric = Number(metricText);
    if (destination === null || gateway === null || mask === null) continue;
    if (!Number.isFinite(flags) || !Number.isInteger(metric)) continue;
    const prefix = netmaskToPrefix(mask);
    if (prefix === null) continue;
    routes.push({
      interface: name,
      destination,
      gateway: (flags & RTF_GATEWAY) !== 0 && gateway !== '0.0.0.0' ? gateway : null,
      flags,
      metric,
      mask,
      prefix,
    });
  }
  return routes;
}

function covers(route: KernelRoute, address: string): boolean {
  return sameIpv4Subnet(address, route.destination, route.mask);
}

/**
 * The route the kernel would use for `target`: among routes that are up, not reject routes and
 * whose interface is up, the longest prefix, then the lowest metric, then the first listed.
 */
export function selectRoute(
  routes: KernelRoute[],
  target: string = METADATA_IPV4,
  interfaceUp: (name: string) => boolean = () => true,
): Ipv4Route | null {
  let best: KernelRoute | null = null;
  for (const route of routes) {
    if ((route.flags & RTF_UP) === 0 || (route.flags & RTF_REJECT) !== 0) continue;
    if (!interfaceUp(route.interface) || !covers(route, target)) continue;
    if (best === null || route.prefix > best.prefix || (route.prefix === best.prefix && route.metric < best.metric)) {
      best = route;
    }
  }
  if (best === null) return null;
  return {
    destination: best.destination,
    prefix: best.prefix,
    interface: best.interface,
    gateway: best.gateway,
    metric: best.metric,
    optionRoute121: best.prefix === 32 && best.destination === target && best.gateway !== null,
  };
}

/** Expand the 32 hex digits of /proc/net/if_inet6 to a compressed IPv6 address. */
function hexToIpv6(hex: string): string {
  const groups = (hex.match(/.{4}/g) ?? []).map((group) => parseInt(group, 16).toString(16));
  const text = groups.join(':');
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j += 1;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestStart < 0) return text;
  const head = groups.slice(0, bestStart).join(':');
  const tail = groups.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** Parse /proc/net/if_inet6 (address, ifindex, prefix, scope, flags, name; all hex but the name). */
export function parseIfInet6(text: string): Inet6Address[] {
  const addresses: Inet6Address[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 6) continue;
    const [hex, index, prefix, scope, flags, name] = fields as [string, string, string, string, string, string];
    if (!/^[0-9a-fA-F]{32}$/.test(hex) || ![index, prefix, scope, flags].every((f) => /^[0-9a-fA-F]+$/.test(f))) continue;
    addresses.push({
      address: hexToIpv6(hex.toLowerCase()),
      ifindex: parseInt(index, 16),
      prefix: parseInt(prefix, 16),
      scope: parseInt(scope, 16),
      flags: parseInt(flags, 16),
      interface: name,
    });
  }
  return addresses;
}

/** Parse /sys/class/net/<if>/flags and operstate; null when the flags do not parse. */
export function parseLinkState(flagsText: string, operstateText: string): LinkState | null {
  const text = flagsText.trim();
  if (!/^(0x)?[0-9a-fA-F]+$/.test(text)) return null;
  return { flags: parseInt(text.replace(/^0x/, ''), 16), operstate: operstateText.trim() };
}

/** Administratively up (IFF_UP) and not known to be without carrier; `unknown` counts as up (tun, some virtual NICs). */
export function linkIsUp(state: LinkState): boolean {
  return (state.flags & IFF_UP) !== 0 && (state.operstate === 'up' || state.operstate === 'unknown');
}

function isLoopback(name: string, state: LinkState | undefined): boolean {
  return name === 'lo' || (state !== undefined && (state.flags & IFF_LOOPBACK) !== 0);
}

/**
 * IPv6 candidates: fe80::a9fe:a9fe with the interface as zone, for every interface that is up
 * (per `links`; an interface missing there counts as up) and has a usable link-local address.
 */
export function ipv6Candidates(addresses: Inet6Address[], links: ReadonlyMap<string, LinkState>): Ipv6Candidate[] {
  const seen = new Set<string>();
  const candidates: Ipv6Candidate[] = [];
  for (const entry of addresses) {
    if (entry.scope !== SCOPE_LINK || (entry.flags & IFA_F_DADFAILED) !== 0) continue;
    const state = links.get(entry.interface);
    if (isLoopback(entry.interface, state) || (state !== undefined && !linkIsUp(state))) continue;
    if (seen.has(entry.interface)) continue;
    seen.add(entry.interface);
    candidates.push({ address: METADATA_IPV6, zone: entry.interface, interface: entry.interface });
  }
  return candidates;
}

/** Everything the reader found, before selection: for tests and `mdctl doctor`. */
interface RouteInputs {
  routes: KernelRoute[];
  inet6: Inet6Address[];
  links: Map<string, LinkState>;
}

/** Select the IPv4 route and the IPv6 candidates from parsed inputs. */
export function analyse(inputs: RouteInputs): RouteReport {
  const up = (name: string): boolean => {
    const state = inputs.links.get(name);
    return state === undefined || linkIsUp(state);
  };
  return { ipv4: selectRoute(inputs.routes, METADATA_IPV4, up), ipv6: ipv6Candidates(inputs.inet6, inputs.links) };
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new MdctlError('ERR_IO', `route: cannot read ${quote(path)}: ${code ?? String(error)}`, { cause: error });
  }
}

async function readLink(root: string, name: string): Promise<LinkState | null> {
  if (name.includes('/') || name === '.' || name === '..') return null;
  const dir = join(root, 'sys/class/net', name);
  const [flags, operstate] = await Promise.all([readOptional(join(dir, 'flags')), readOptional(join(dir, 'operstate'))]);
  return flags === null ? null : parseLinkState(flags, operstate ?? 'unknown');
}

/** Read /proc/net/route, /proc/net/if_inet6 and the named interfaces' /sys/class/net state under `root`. */
async function readRouteInputs(root = '/'): Promise<RouteInputs> {
  const [routeText, inet6Text] = await Promise.all([
    readOptional(join(root, 'proc/net/route')),
    readOptional(join(root, 'proc/net/if_inet6')),
  ]);
  const routes = routeText === null ? [] : parseProcNetRoute(routeText, endianness() === 'LE');
  const inet6 = inet6Text === null ? [] : parseIfInet6(inet6Text);
  const names = [...new Set([...routes.map((r) => r.interface), ...inet6.map((a) => a.interface)])];
  const links = new Map<string, LinkState>();
  await Promise.all(
    names.map(async (name) => {
      const state = await readLink(root, name);
      if (state !== null) links.set(name, state);
    }),
  );
  return { routes, inet6, links };
}

/** The interface's IPv4 address on the gateway's subnet (or its first one); live system only. */
function sourceAddress(route: Ipv4Route): string | undefined {
  const addresses = (networkInterfaces()[route.interface] ?? []).filter((a) => a.family === 'IPv4');
  const gateway = route.gateway;
  const onSubnet =
    gateway === null
      ? undefined
      : addresses.find((a) => sameIpv4Subnet(a.address, gateway, a.netmask));
  return (onSubnet ?? addresses[0])?.address;
}

/**
 * Find the way to the metadata service from the files under `root`. The source address is
 * added only for the live root '/', from the running system's interfaces.
 */
export async function readRoutes(root = '/'): Promise<RouteReport> {
  const report = analyse(await readRouteInputs(root));
  if (report.ipv4 !== null && root === '/') {
    const source = sourceAddress(report.ipv4);
    if (source !== undefined) report.ipv4.source = source;
  }
  return report;
}

// network_data.json -> networks (with each link's MAC), routes as CIDR, and DNS servers.
import type { Network, Route } from '../core/instance.js';
import { Fields } from './fields.js';
import { netmaskToPrefix, toCidr } from '../core/ip.js';

const FILE = 'network_data.json';

/** Network types whose addresses and routes come from DHCP, not from the metadata. */
const DHCP_TYPES = new Set(['ipv4_dhcp', 'ipv6_dhcp']);

interface NetworkPart {
  networks: Network[];
  routes: Route[];
  dns_nameservers: string[];
}

interface Link {
  mac: string | null;
  /** The link whose MAC a VLAN (vlan_link) or bond (first of bond_links) without its own uses. */
  parent: string | null;
}

function readLinks(doc: Fields): Map<string, Link> {
  const links = new Map<string, Link>();
  for (const link of doc.objects('links')) {
    const id = link.requiredString('id');
    const mac = link.string('ethernet_mac_address') ?? link.string('vlan_mac_address');
    const parent = link.string('vlan_link') ?? link.strings('bond_links')?.[0] ?? null;
    links.set(id, { mac: mac === null ? null : mac.toLowerCase(), parent });
  }
  return links;
}

/**
 * The MAC of every link, following VLAN and bond parents to the first link that has one (a loop
 * or a missing parent gives null). Each link is walked once, so long chains stay linear.
 */
function resolveMacs(links: Map<string, Link>): Map<string, string | null> {
  const macs = new Map<string, string | null>();
  for (const start of links.keys()) {
    const chain: string[] = [];
    const onChain = new Set<string>();
    let current: string | null = start;
    let mac: string | null = null;
    while (current !== null && !macs.has(current) && !onChain.has(current)) {
      const link = links.get(current);
      if (link === undefined) break;
      chain.push(current);
      onChain.add(current);
      if (link.mac !== null) {
        mac = link.mac;
        break;
      }
      current = link.parent;
    }
    if (current !== null && macs.has(current)) mac = macs.get(current) ?? null;
    for (const id of chain) macs.set(id, mac);
  }
  return macs;
}

/** Each DNS service's address once, in order of appearance. */
function dnsOf(services: Fields[], into: string[], seen: Set<string>): void {
  for (const service of services) {
    if (service.string('type') !== 'dns') continue;
    const address = service.requiredString('address');
    if (seen.has(address)) continue;
    seen.add(address);
    into.push(address);
  }
}

/** Normalises parsed network_data.json; absent (undefined or null) gives empty lists. */
export function normalizeNetworkData(raw: unknown): NetworkPart {
  const part: NetworkPart = { networks: [], routes: [], dns_nameservers: [] };
  if (raw === undefined || raw === null) return part;
  const doc = Fields.of(FILE, raw);
  const macs = resolveMacs(readLinks(doc));
  const seenDns = new Set<string>();
  for (const net of doc.objects('networks')) {
    const type = net.requiredString('type');
    const link = net.string('link');
    const mac = link === null ? null : (macs.get(link) ?? null);
    const networkId = net.string('network_id');
    const netmask = net.string('netmask');
    part.networks.push({
      id: net.requiredString('id'),
      type,
      link,
      mac,
      network_id: networkId,
      ip_address: net.string('ip_address'),
      netmask,
      prefix: netmask === null ? null : netmaskToPrefix(netmask),
    });
    const routes = net.objects('routes');
    if (!DHCP_TYPES.has(type)) {
      for (const route of routes) {
        part.routes.push({
          destination: toCidr(route.requiredString('network'), route.requiredString('netmask')),
          gateway: route.requiredString('gateway'),
          link,
          mac,
          network_id: networkId,
        });
      }
    }
    dnsOf(net.objects('services'), part.dns_nameservers, seenDns);
  }
  dnsOf(doc.objects('services'), part.dns_nameservers, seenDns);
  return part;
}

// network_data.json -> networks (with each link's MAC), routes as CIDR, and DNS servers.
import type { Network, Route } from '../core/instance.js';
import { Fields } from './fields.js';
import { netmaskToPrefix, toCidr } from './netmask.js';

const FILE = 'network_data.json';

/** Network types whose addresses and routes come from DHCP, not from the metadata. */
const DHCP_TYPES = new Set(['ipv4_dhcp', 'ipv6_dhcp']);

export interface NetworkPart {
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

/** The MAC of a link, following VLAN and bond parents (at most once each). */
function macOf(links: Map<string, Link>, id: string | null): string | null {
  const seen = new Set<string>();
  let current = id;
  while (current !== null && !seen.has(current)) {
    seen.add(current);
    const link = links.get(current);
    if (link === undefined) return null;
    if (link.mac !== null) return link.mac;
    current = link.parent;
  }
  return null;
}

function dnsOf(services: Fields[], into: string[]): void {
  for (const service of services) {
    if (service.string('type') !== 'dns') continue;
    const address = service.requiredString('address');
    if (!into.includes(address)) into.push(address);
  }
}

/** Normalises parsed network_data.json; absent (undefined or null) gives empty lists. */
export function normalizeNetworkData(raw: unknown): NetworkPart {
  const part: NetworkPart = { networks: [], routes: [], dns_nameservers: [] };
  if (raw === undefined || raw === null) return part;
  const doc = Fields.of(FILE, raw);
  const links = readLinks(doc);
  for (const net of doc.objects('networks')) {
    const type = net.requiredString('type');
    const link = net.string('link');
    const mac = macOf(links, link);
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
    dnsOf(net.objects('services'), part.dns_nameservers);
  }
  dnsOf(doc.objects('services'), part.dns_nameservers);
  return part;
}

// network_data.json -> the links and networks the network applier renders, each value checked; a bad one is refused by name. Pure.
import { quote } from '../core/errors.js';
import type { Network } from '../core/instance.js';
import { addressValue, bits, formatAddress, netmaskToPrefix, toCidr, type Family } from '../core/ip.js';
import { isObject, type Json } from './fields.js';
import { checkRoute } from './routes.js';

/** cloud-init's physical link types (sources/helpers/openstack.py); an absent type is physical too. */
export const PHYSICAL_LINK_TYPES = ['bgpovs', 'bridge', 'cascading', 'dvs', 'ethernet', 'hw_veb', 'hyperv', 'ovs', 'phy', 'tap', 'vhostuser', 'vif'] as const;

/** Network types whose addresses come from the OS's DHCP/SLAAC client: rendered as such, never given static addresses. */
export const DYNAMIC_NETWORK_TYPES = ['ipv4_dhcp', 'ipv6_dhcp', 'ipv6_slaac', 'ipv6_dhcpv6-stateful', 'ipv6_dhcpv6-stateless'] as const;

const STATIC_NETWORK_TYPES = ['ipv4', 'ipv6'] as const;

type LinkKind = 'physical' | 'vlan' | 'bond';

export interface LinkLayout {
  id: string;
  kind: LinkKind;
  /** As served (null when absent). */
  type: string | null;
  /** Lower-case MAC: the link's own, or for a VLAN without one its parent's. */
  mac: string | null;
  mtu: number | null;
  /** The device name mdctl gives a VLAN or bond it creates; null for a physical link (matched by MAC). */
  device: string | null;
  vlan?: { id: number; parent: string };
  bond?: { members: string[]; mode: string | null; miimon: number | null; hashPolicy: string | null };
  /** Set on a physical link enslaved to a bond: the bond's link id. */
  bondedTo?: string;
}

interface StaticAddress {
  family: Family;
  /** Canonical text. */
  address: string;
  prefix: number;
}

interface RouteLayout {
  family: Family;
  /** Canonical CIDR; prefix 0 is the default route. */
  destination: string;
  prefix: number;
  gateway: string;
}

export interface NetworkLayoutEntry {
  id: string;
  type: string;
  link: string;
  /** Static networks only. */
  address: StaticAddress | null;
  routes: RouteLayout[];
  /** The network's own DNS servers, canonical. */
  dns: string[];
  search: string[];
}

export interface NetworkLayout {
  links: LinkLayout[];
  networks: NetworkLayoutEntry[];
  /** Global DNS servers (services at the top level), canonical. */
  dns: string[];
  search: string[];
  /** One message per refused link, network or service; each names what it refused. */
  problems: string[];
  /** Links whose configuration is incomplete because something of theirs was refused: their files are left as they are. */
  frozen: string[];
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IFNAME = /^[A-Za-z0-9_-]{1,15}$/;
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/;

class Refused extends Error {}

function text(object: Json, key: string): string | null {
  const value = object[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

function integer(object: Json, key: string, low: number, high: number, what: string): number | null {
  const value = object[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) throw new Refused(`${what} ${quote(value)} is not an integer from ${low} to ${high}`);
  return value;
}

function macOf(object: Json, key: string): string | null {
  const value = object[key];
  if (value === undefined || value === null) return null;
  const mac = typeof value === 'string' ? value.toLowerCase() : '';
  if (!MAC.test(mac) || mac === '00:00:00:00:00:00') throw new Refused(`${key} ${quote(value)} is not a usable MAC address`);
  return mac;
}

/** Canonical text of an address of the family, or a refusal naming what it is. */
function canonicalAddress(value: unknown, family: Family | null, what: string): { family: Family; address: string } {
  const parsed = typeof value === 'string' ? addressValue(value) : null;
  if (parsed === null) throw new Refused(`${what} ${quote(value)} does not parse as an address`);
  if (family !== null && parsed.family !== family) throw new Refused(`${what} ${quote(value)} is not an IPv${family} address`);
  return { family: parsed.family, address: formatAddress(parsed.family, parsed.value) };
}

function searchList(object: Json, key: string, what: string): string[] {
  const value = object[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && DOMAIN.test(item))) throw new Refused(`${what} ${key} is not a list of domain names`);
  return value as string[];
}

function dnsOf(object: Json): string[] {
  const services = Array.isArray(object.services) ? object.services : [];
  const found: string[] = [];
  for (const service of services) {
    if (!isObject(service) || service.type !== 'dns') continue;
    const { address } = canonicalAddress(service.address, null, 'DNS server');
    if (!found.includes(address)) found.push(address);
  }
  return found;
}

interface RawLink {
  id: string;
  raw: Json;
}

function linkKind(type: string | null): LinkKind {
  if (type === null || (PHYSICAL_LINK_TYPES as readonly string[]).includes(type)) return 'physical';
  if (type === 'vlan' || type === 'bond') return type;
  throw new Refused(`type ${quote(type)} is not a known link type (physical: ${PHYSICAL_LINK_TYPES.join(', ')}; vlan, bond)`);
}

function readLink({ id, raw }: RawLink, ids: Set<string>): LinkLayout {
  const type = raw.type === undefined || raw.type === null ? null : typeof raw.type === 'string' ? raw.type : quote(raw.type);
  const kind = linkKind(type);
  const mtu = integer(raw, 'mtu', 68, 65535, 'mtu');
  const link: LinkLayout = { id, kind, type, mac: macOf(raw, 'ethernet_mac_address') ?? macOf(raw, 'vlan_mac_address'), mtu, device: null };
  if (kind === 'vlan') {
    const parent = text(raw, 'vlan_link');
    if (parent === null || !ids.has(parent) || parent === id) throw new Refused(`vlan_link ${quote(raw.vlan_link)} names no other link`);
    const vlanId = integer(raw, 'vlan_id', 1, 4094, 'vlan_id');
    if (vlanId === null) throw new Refused('vlan_id is missing');
    link.vlan = { id: vlanId, parent };
  } else if (kind === 'bond') {
    const members = raw.bond_links;
    if (!Array.isArray(members) || members.length === 0 || !members.every((member) => typeof member === 'string' && ids.has(member) && member !== id)) {
      throw new Refused('bond_links is not a list of other links');
    }
    link.bond = { members: members as string[], mode: text(raw, 'bond_mode'), miimon: integer(raw, 'bond_miimon', 0, 2 ** 31 - 1, 'bond_miimon'), hashPolicy: text(raw, 'bond_xmit_hash_policy') };
    for (const key of ['bond_mode', 'bond_xmit_hash_policy']) {
      const value = text(raw, key);
      if (value !== null && !/^[a-z0-9+._-]{1,32}$/i.test(value)) throw new Refused(`${key} ${quote(value)} is not a bonding option value`);
    }
  } else if (link.mac === null) {
    throw new Refused('it has no MAC address to match an interface by');
  }
  return link;
}

/** Device names for the VLANs and bonds mdctl creates: the link id when it is a usable interface name, else vlan<id>/bond<n>; unique. */
function nameDevices(links: LinkLayout[]): void {
  const taken = new Set<string>();
  let bonds = 0;
  for (const link of links) {
    if (link.kind === 'physical') continue;
    const fallback = link.kind === 'vlan' ? `vlan${link.vlan?.id ?? 0}` : `bond${bonds++}`;
    let name = IFNAME.test(link.id) ? link.id : fallback;
    for (let n = 1; taken.has(name); n += 1) name = `${fallback.slice(0, 10)}_${n}`;
    taken.add(name);
    link.device = name;
  }
}

/** VLAN MACs follow their parents; bond members are marked. */
function settleLinks(links: LinkLayout[]): void {
  const byId = new Map(links.map((link) => [link.id, link]));
  for (let pass = 0; pass < links.length; pass += 1) {
    for (const link of links) if (link.mac === null && link.vlan !== undefined) link.mac = byId.get(link.vlan.parent)?.mac ?? null;
  }
  for (const link of links) for (const member of link.bond?.members ?? []) {
    const target = byId.get(member);
    if (target !== undefined) target.bondedTo = link.id;
  }
}

function prefixOf(raw: Json, family: Family): number {
  const mask = raw.netmask;
  const prefix = typeof mask === 'string' ? netmaskToPrefix(mask) : null;
  if (prefix === null || prefix > bits(family) || prefix === 0) throw new Refused(`netmask ${quote(mask)} is not a prefix for IPv${family}`);
  return prefix;
}

function routesOf(raw: Json, network: Network): RouteLayout[] {
  const routes = Array.isArray(raw.routes) ? raw.routes : [];
  return routes.map((route) => {
    if (!isObject(route) || typeof route.network !== 'string' || typeof route.netmask !== 'string' || typeof route.gateway !== 'string') {
      throw new Refused(`route ${quote(route)} needs network, netmask and gateway strings`);
    }
    const destination = toCidr(route.network, route.netmask);
    let checked;
    try {
      checked = checkRoute({ destination, gateway: route.gateway, link: network.link, mac: network.mac, network_id: null }, [network]);
    } catch (error) {
      throw new Refused((error as Error).message);
    }
    return { family: checked.family, destination: checked.destination, prefix: checked.prefix, gateway: checked.gateway };
  });
}

function readNetwork(raw: Json, id: string, link: LinkLayout): NetworkLayoutEntry {
  const type = typeof raw.type === 'string' ? raw.type : null;
  const entry: NetworkLayoutEntry = { id, type: type ?? '', link: link.id, address: null, routes: [], dns: dnsOf(raw), search: searchList(raw, 'dns_search', 'network') };
  if (type !== null && (DYNAMIC_NETWORK_TYPES as readonly string[]).includes(type)) return entry;
  if (type !== 'ipv4' && type !== 'ipv6') throw new Refused(`type ${quote(raw.type)} is not a known network type (${[...STATIC_NETWORK_TYPES, ...DYNAMIC_NETWORK_TYPES].join(', ')})`);
  const family: Family = type === 'ipv4' ? 4 : 6;
  const { address } = canonicalAddress(raw.ip_address, family, 'ip_address');
  const prefix = prefixOf(raw, family);
  entry.address = { family, address, prefix };
  const asDocument: Network = { id, type, link: link.id, mac: link.mac, network_id: null, ip_address: address, netmask: String(prefix), prefix };
  entry.routes = routesOf(raw, asDocument);
  return entry;
}

function label(object: unknown, index: number): string {
  return isObject(object) && typeof object.id === 'string' && object.id !== '' ? object.id : `#${index}`;
}

function readLinks(data: Json, layout: NetworkLayout): Map<string, LinkLayout> {
  const rawLinks = (Array.isArray(data.links) ? data.links : []).map((raw, index) => ({ id: label(raw, index), raw: isObject(raw) ? raw : {} }));
  const ids = new Set(rawLinks.map((link) => link.id));
  const accepted = new Map<string, LinkLayout>();
  for (const raw of rawLinks) {
    try {
      if (accepted.has(raw.id)) throw new Refused('the id is used twice');
      accepted.set(raw.id, readLink(raw, ids));
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      layout.problems.push(`link ${quote(raw.id)} refused: ${error.message}`);
      layout.frozen.push(raw.id);
    }
  }
  // A VLAN or bond built on a refused link is refused too.
  for (let changed = true; changed; ) {
    changed = false;
    for (const link of accepted.values()) {
      const parents = link.vlan !== undefined ? [link.vlan.parent] : (link.bond?.members ?? []);
      const missing = parents.find((parent) => !accepted.has(parent));
      if (missing === undefined) continue;
      accepted.delete(link.id);
      layout.problems.push(`link ${quote(link.id)} refused: it is built on link ${quote(missing)}, which was refused`);
      layout.frozen.push(link.id);
      changed = true;
    }
  }
  return accepted;
}

function readNetworks(data: Json, links: Map<string, LinkLayout>, layout: NetworkLayout): void {
  for (const [index, raw] of (Array.isArray(data.networks) ? data.networks : []).entries()) {
    const id = label(raw, index);
    const linkId = isObject(raw) && typeof raw.link === 'string' ? raw.link : null;
    try {
      if (!isObject(raw)) throw new Refused('not an object');
      const link = linkId === null ? undefined : links.get(linkId);
      if (link === undefined) throw new Refused(linkId !== null && layout.frozen.includes(linkId) ? `its link ${quote(linkId)} was refused` : `link ${quote(raw.link)} names no link`);
      if (layout.networks.some((other) => other.id === id)) throw new Refused('the id is used twice');
      layout.networks.push(readNetwork(raw, id, link));
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      layout.problems.push(`network ${quote(id)} refused: ${error.message}; nothing of it is written`);
      if (linkId !== null && !layout.frozen.includes(linkId)) layout.frozen.push(linkId);
    }
  }
}

/** Reads raw network_data.json (absent: empty). Never throws for bad values: they are dropped and named in `problems`. */
export function readNetworkLayout(raw: unknown): NetworkLayout {
  const layout: NetworkLayout = { links: [], networks: [], dns: [], search: [], problems: [], frozen: [] };
  if (raw === undefined || raw === null) return layout;
  if (!isObject(raw)) {
    layout.problems.push('network_data.json is not an object');
    return layout;
  }
  const links = readLinks(raw, layout);
  layout.links = [...links.values()];
  settleLinks(layout.links);
  nameDevices(layout.links);
  readNetworks(raw, links, layout);
  try {
    layout.dns = dnsOf(raw);
    layout.search = searchList(raw, 'dns_search', 'network_data.json');
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    layout.problems.push(`network_data.json services refused: ${error.message}; no network file is rewritten`);
    layout.frozen.push(...layout.links.map((link) => link.id).filter((id) => !layout.frozen.includes(id)));
  }
  return layout;
}

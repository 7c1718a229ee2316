// What the network renderers share: the file and renderer shapes, mdctl's marker line, file names, and which links get a file. Pure.
import { createHash } from 'node:crypto';
import type { LinkLayout, NetworkLayout, NetworkLayoutEntry } from '../../model/network-layout.js';

/** The first line of every network file mdctl writes: its claim of ownership. Deleting the line hands the file over. */
export const MARKER = '# Written by mdctl from network_data.json: replaced or removed by mdctl. Delete this line to keep the file as your own.';

export interface RenderedFile {
  /** Path inside the root. */
  path: string;
  content: string;
  mode: number;
  /** The link this file configures. */
  link: string;
}

export type RendererId = 'networkd' | 'networkmanager';

export interface Renderer {
  id: RendererId;
  /** The directory its files live in, inside the root. */
  directory: string;
  /** Whether a file name in that directory is of the shape mdctl gives its files. */
  ownsName(name: string): boolean;
  /** The file names a link's files get (whether or not it has any). */
  namesFor(linkId: string): string[];
  /** Every file for the layout: pure, no interface needed. */
  render(layout: NetworkLayout): RenderedFile[];
}

/** A link id as a file name part: as is when plain, else "link-" and a hash of it. */
export function safeName(id: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(id) ? id : `link-${createHash('sha256').update(id).digest('hex').slice(0, 12)}`;
}

/** A stable UUID for a link's NetworkManager profile (name-based, from the link id and MAC). */
export function profileUuid(link: LinkLayout): string {
  const hex = createHash('sha256').update(`mdctl\0${link.id}\0${link.mac ?? ''}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The links that get a file: those with a network, and every link one of those is built on (VLAN parent, bond member). */
export function renderedLinks(layout: NetworkLayout): LinkLayout[] {
  const byId = new Map(layout.links.map((link) => [link.id, link]));
  const wanted = new Set(layout.networks.map((network) => network.link));
  for (const id of [...wanted]) {
    const pending = [id];
    while (pending.length > 0) {
      const link = byId.get(pending.pop() as string);
      for (const parent of link === undefined ? [] : [...(link.vlan === undefined ? [] : [link.vlan.parent]), ...(link.bond?.members ?? [])]) {
        if (!wanted.has(parent)) {
          wanted.add(parent);
          pending.push(parent);
        }
      }
    }
  }
  return layout.links.filter((link) => wanted.has(link.id));
}

export function networksOf(layout: NetworkLayout, link: LinkLayout): NetworkLayoutEntry[] {
  return layout.networks.filter((network) => network.link === link.id);
}

/** DNS servers for a link with networks: each network's own, then the global ones, each once. */
export function dnsFor(layout: NetworkLayout, networks: NetworkLayoutEntry[]): { servers: string[]; search: string[] } {
  if (networks.length === 0) return { servers: [], search: [] };
  const servers = [...new Set([...networks.flatMap((network) => network.dns), ...layout.dns])];
  const search = [...new Set([...networks.flatMap((network) => network.search), ...layout.search])];
  return { servers, search };
}

/** The VLANs built on a link. */
export function vlansOn(layout: NetworkLayout, link: LinkLayout): LinkLayout[] {
  return layout.links.filter((other) => other.vlan?.parent === link.id);
}

/** Which dynamic configuration a link's networks ask for. */
export function dynamicOf(networks: NetworkLayoutEntry[]): { dhcp4: boolean; dhcp6: boolean; ra: boolean; static6: boolean } {
  const types = new Set(networks.map((network) => network.type));
  return {
    dhcp4: types.has('ipv4_dhcp'),
    dhcp6: types.has('ipv6_dhcp') || types.has('ipv6_dhcpv6-stateful'),
    ra: ['ipv6_dhcp', 'ipv6_slaac', 'ipv6_dhcpv6-stateful', 'ipv6_dhcpv6-stateless'].some((type) => types.has(type)),
    static6: networks.some((network) => network.address?.family === 6),
  };
}

/** Lines of an ini-style section; empty when it has no keys. */
export function section(name: string, keys: (string | null)[]): string[] {
  const lines = keys.filter((line): line is string => line !== null);
  return lines.length === 0 ? [] : ['', `[${name}]`, ...lines];
}

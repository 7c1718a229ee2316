// The NetworkManager renderer: one keyfile profile per link (mode 0600), ethernet ones bound by mac-address, VLAN and bond ones by their parent's profile. Pure.
import type { Family } from '../../core/ip.js';
import type { LinkLayout, NetworkLayout, NetworkLayoutEntry } from '../../model/network-layout.js';
import { MARKER, dnsFor, dynamicOf, networksOf, profileUuid, renderedLinks, safeName, section, type RenderedFile, type Renderer } from './render.js';

const DIRECTORY = '/etc/NetworkManager/system-connections';
const PREFIX = 'mdctl-';
/** Above the default 0 of generic profiles ("Wired connection 1", an image's DHCP-everything profile): NM activates the highest. */
const PRIORITY = 100;

function connection(link: LinkLayout, byId: Map<string, LinkLayout>): (string | null)[] {
  const type = link.kind === 'physical' ? 'ethernet' : link.kind;
  const bond = link.bondedTo === undefined ? undefined : byId.get(link.bondedTo);
  return [
    `id=mdctl-${safeName(link.id)}`,
    `uuid=${profileUuid(link)}`,
    `type=${type}`,
    link.device === null ? null : `interface-name=${link.device}`,
    'autoconnect=true',
    `autoconnect-priority=${PRIORITY}`,
    bond === undefined ? null : `master=${profileUuid(bond)}`,
    bond === undefined ? null : 'slave-type=bond',
  ];
}

/** The [ipv4]/[ipv6] section of a link's networks of one family. */
function ipSection(layout: NetworkLayout, networks: NetworkLayoutEntry[], family: Family): string[] {
  const dynamic = dynamicOf(networks);
  const mine = networks.filter((network) => (family === 4 ? network.type.startsWith('ipv4') : network.type.startsWith('ipv6')));
  const statics = mine.filter((network) => network.address !== null);
  const isDynamic = family === 4 ? dynamic.dhcp4 : dynamic.ra || dynamic.dhcp6;
  let method: string;
  if (isDynamic) method = 'auto';
  else if (statics.length > 0) method = 'manual';
  else method = family === 4 ? 'disabled' : 'ignore';
  const routes = statics.flatMap((network) => network.routes);
  const defaults = routes.filter((route) => route.prefix === 0);
  const others = [...routes.filter((route) => route.prefix !== 0), ...defaults.slice(1)];
  const dns = dnsFor(layout, networks);
  const servers = dns.servers.filter((server) => server.includes(':') === (family === 6));
  return section(family === 4 ? 'ipv4' : 'ipv6', [
    `method=${method}`,
    ...statics.map((network, index) => `address${index + 1}=${network.address?.address ?? ''}/${network.address?.prefix ?? ''}`),
    defaults[0] === undefined ? null : `gateway=${defaults[0].gateway}`,
    ...others.map((route, index) => `route${index + 1}=${route.destination},${route.gateway}`),
    servers.length === 0 ? null : `dns=${servers.join(';')};`,
    servers.length === 0 || dns.search.length === 0 ? null : `dns-search=${dns.search.join(';')};`,
  ]);
}

function keyfile(layout: NetworkLayout, link: LinkLayout): string {
  const byId = new Map(layout.links.map((other) => [other.id, other]));
  const lines = [MARKER, ...section('connection', connection(link, byId)).slice(1)];
  const mac = link.kind === 'physical' && link.mac !== null ? `mac-address=${link.mac.toUpperCase()}` : null;
  lines.push(...section('ethernet', [mac, link.mtu === null ? null : `mtu=${link.mtu}`]));
  if (link.vlan !== undefined) {
    const parent = byId.get(link.vlan.parent);
    lines.push(...section('vlan', [`id=${link.vlan.id}`, `parent=${parent === undefined ? '' : profileUuid(parent)}`]));
  }
  if (link.bond !== undefined) {
    const { mode, miimon, hashPolicy } = link.bond;
    lines.push(...section('bond', [mode === null ? null : `mode=${mode}`, miimon === null ? null : `miimon=${miimon}`, hashPolicy === null ? null : `xmit_hash_policy=${hashPolicy}`]));
  }
  if (link.bondedTo === undefined) {
    const networks = networksOf(layout, link);
    lines.push(...ipSection(layout, networks, 4), ...ipSection(layout, networks, 6));
  }
  return `${lines.join('\n')}\n`;
}

export const networkManagerRenderer: Renderer = {
  id: 'networkmanager',
  directory: DIRECTORY,
  ownsName: (name) => name.startsWith(PREFIX) && name.endsWith('.nmconnection'),
  namesFor: (linkId) => [`${PREFIX}${safeName(linkId)}.nmconnection`],
  render(layout: NetworkLayout): RenderedFile[] {
    return renderedLinks(layout).map((link) => ({
      path: `${DIRECTORY}/${PREFIX}${safeName(link.id)}.nmconnection`,
      content: keyfile(layout, link),
      mode: 0o600,
      link: link.id,
    }));
  },
};

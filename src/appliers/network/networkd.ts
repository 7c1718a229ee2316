// The systemd-networkd renderer: a .network per link (matched by MAC and Type=ether, or by the device name mdctl gives a VLAN/bond), a .netdev per VLAN/bond. Pure.
import type { LinkLayout, NetworkLayout } from '../../model/network-layout.js';
import { MARKER, dnsFor, dynamicOf, networksOf, renderedLinks, safeName, section, vlansOn, type RenderedFile, type Renderer } from './render.js';

const DIRECTORY = '/etc/systemd/network';
/** networkd applies the first matching .network in lexical order over all its directories: "10-mdctl-" sorts before netplan's "10-netplan-" and the usual "20-"..."99-" catch-alls. */
const PREFIX = '10-mdctl-';

/**
 * [Match] of a link. A physical link matches by MAC and Type=ether: a VLAN or bond on top of it
 * has the same MAC but another type, so it does not match. A bond member matches by its
 * permanent MAC, which bonding does not change (its current one becomes the bond's).
 */
function match(link: LinkLayout): string[] {
  if (link.device !== null) return [`Name=${link.device}`];
  const mac = link.mac ?? '';
  return link.bondedTo === undefined ? [`MACAddress=${mac}`, 'Type=ether'] : [`PermanentMACAddress=${mac}`, 'Type=ether'];
}

function networkFile(layout: NetworkLayout, link: LinkLayout): string {
  const networks = networksOf(layout, link);
  const dynamic = dynamicOf(networks);
  const dns = dnsFor(layout, networks);
  const byId = new Map(layout.links.map((other) => [other.id, other]));
  let dhcp: string | null = null;
  if (dynamic.dhcp4 || dynamic.dhcp6) dhcp = `DHCP=${dynamic.dhcp4 && dynamic.dhcp6 ? 'yes' : dynamic.dhcp4 ? 'ipv4' : 'ipv6'}`;
  let acceptRa: string | null = null;
  if (dynamic.ra) acceptRa = 'IPv6AcceptRA=yes';
  else if (dynamic.static6) acceptRa = 'IPv6AcceptRA=no';
  const bond = link.bondedTo === undefined ? null : `Bond=${byId.get(link.bondedTo)?.device ?? ''}`;
  const lines = [MARKER, '[Match]', ...match(link)];
  lines.push(...section('Link', [link.mtu === null ? null : `MTUBytes=${link.mtu}`]));
  lines.push(
    ...section('Network', [
      dhcp,
      acceptRa,
      ...networks.flatMap((network) => (network.address === null ? [] : [`Address=${network.address.address}/${network.address.prefix}`])),
      ...dns.servers.map((server) => `DNS=${server}`),
      dns.search.length === 0 ? null : `Domains=${dns.search.join(' ')}`,
      ...vlansOn(layout, link).map((vlan) => `VLAN=${vlan.device ?? ''}`),
      bond,
    ]),
  );
  for (const route of networks.flatMap((network) => network.routes)) {
    lines.push(...section('Route', [route.prefix === 0 ? null : `Destination=${route.destination}`, `Gateway=${route.gateway}`]));
  }
  return `${lines.join('\n')}\n`;
}

function netdevFile(link: LinkLayout): string {
  const lines = [MARKER, '[NetDev]', `Name=${link.device ?? ''}`, `Kind=${link.kind}`];
  if (link.mtu !== null) lines.push(`MTUBytes=${link.mtu}`);
  if (link.vlan !== undefined) lines.push(...section('VLAN', [`Id=${link.vlan.id}`]));
  if (link.bond !== undefined) {
    const { mode, hashPolicy, miimon } = link.bond;
    if (link.mac !== null) lines.splice(4, 0, `MACAddress=${link.mac}`);
    lines.push(
      ...section('Bond', [mode === null ? null : `Mode=${mode}`, hashPolicy === null ? null : `TransmitHashPolicy=${hashPolicy}`, miimon === null ? null : `MIIMonitorSec=${miimon}ms`]),
    );
  }
  return `${lines.join('\n')}\n`;
}

export const networkdRenderer: Renderer = {
  id: 'networkd',
  directory: DIRECTORY,
  ownsName: (name) => name.startsWith(PREFIX) && (name.endsWith('.network') || name.endsWith('.netdev')),
  namesFor: (linkId) => [`${PREFIX}${safeName(linkId)}.network`, `${PREFIX}${safeName(linkId)}.netdev`],
  render(layout: NetworkLayout): RenderedFile[] {
    return renderedLinks(layout).flatMap((link) => {
      const base = `${DIRECTORY}/${PREFIX}${safeName(link.id)}`;
      const files: RenderedFile[] = [{ path: `${base}.network`, content: networkFile(layout, link), mode: 0o644, link: link.id }];
      if (link.device !== null) files.push({ path: `${base}.netdev`, content: netdevFile(link), mode: 0o644, link: link.id });
      return files;
    });
  },
};

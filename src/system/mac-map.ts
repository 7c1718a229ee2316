// The MAC-to-interface map the network and routes appliers share: never `lo`, never an all-zero MAC, never a device stacked on another. Pure.

/** What the map needs of an interface (from `ip -d -j link` or `ip -d -j address`). */
export interface MacLink {
  name: string;
  /** Current lower-case MAC. */
  mac: string;
  /** The hardware's own MAC when the current one differs (a bond member), lower case. */
  permanentMac?: string;
  /** The kernel's link kind (linkinfo.info_kind): "veth", "vlan", "bond"...; absent for plain hardware. */
  kind?: string;
}

/** Kinds that take the MAC of the device under them: mapping the MAC to them would hide the real interface. */
const STACKED_KINDS = new Set(['vlan', 'bond', 'bridge', 'macvlan', 'macvtap', 'ipvlan', 'ipvtap', 'team', 'vrf', 'bond_slave']);

const ZERO_MAC = '00:00:00:00:00:00';

/**
 * Interface name by MAC (lower case). A bond member is found by its permanent MAC; `lo`,
 * all-zero MACs and stacked devices (VLAN, bond, bridge...) are left out; where two interfaces
 * share a MAC the first listed wins.
 */
export function interfacesByMac(links: readonly MacLink[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const link of links) {
    if (link.name === 'lo' || (link.kind !== undefined && STACKED_KINDS.has(link.kind))) continue;
    const mac = (link.permanentMac ?? link.mac).toLowerCase();
    if (mac === ZERO_MAC || map.has(mac)) continue;
    map.set(mac, link.name);
  }
  return map;
}

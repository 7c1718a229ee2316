// network_data.json samples for the network tests: Nova's seed-static, an Ironic-style bond with a VLAN, and builders for one network of each type.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOVA_FIXTURES } from '../helpers/emulator.js';

export const SEED_MAC = 'fa:16:3e:5b:a1:0c';

export function seedStatic(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(NOVA_FIXTURES, 'seed-static', 'openstack', 'latest', 'network_data.json'), 'utf8')) as Record<string, unknown>;
}

export function seedDhcp(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(NOVA_FIXTURES, 'seed-dhcp', 'openstack', 'latest', 'network_data.json'), 'utf8')) as Record<string, unknown>;
}

/** Two NICs bonded (LACP), a VLAN on the bond (as Ironic sends them), IPv4 on the VLAN and IPv6 on the bond. */
export function bondedVlan(): Record<string, unknown> {
  return {
    links: [
      { id: 'eth0', type: 'phy', ethernet_mac_address: '52:54:00:12:34:01', mtu: 9000 },
      { id: 'eth1', type: 'phy', ethernet_mac_address: '52:54:00:12:34:02', mtu: 9000 },
      { id: 'bond0', type: 'bond', bond_links: ['eth0', 'eth1'], bond_mode: '802.3ad', bond_xmit_hash_policy: 'layer3+4', bond_miimon: 100, ethernet_mac_address: '52:54:00:12:34:01', mtu: 9000 },
      { id: 'vlan0', type: 'vlan', vlan_link: 'bond0', vlan_id: 101, vlan_mac_address: '52:54:00:12:34:01' },
    ],
    networks: [
      {
        id: 'public-ipv4',
        type: 'ipv4',
        link: 'vlan0',
        ip_address: '23.253.157.244',
        netmask: '255.255.255.0',
        routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '23.253.157.1' }],
        services: [{ type: 'dns', address: '69.20.0.164' }],
      },
      {
        id: 'private-ipv6',
        type: 'ipv6',
        link: 'bond0',
        ip_address: '2001:cdba::3257:9652',
        netmask: 'ffff:ffff:ffff:ffff::',
        routes: [{ network: '::', netmask: '::', gateway: 'fe80::1' }],
      },
    ],
    services: [{ type: 'dns', address: '69.20.0.164' }, { type: 'dns', address: '2001:4860:4860::8888' }],
  };
}

/** One physical link with one network of `type` (static ones get an address and a default route). */
export function oneNetwork(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const v6 = type.startsWith('ipv6');
  const statics = type === 'ipv4' || type === 'ipv6';
  return {
    links: [{ id: 'tap0', type: 'ovs', ethernet_mac_address: SEED_MAC, mtu: 1450 }],
    networks: [
      {
        id: 'network0',
        type,
        link: 'tap0',
        ...(v6 ? { ip_address: '2001:db8:0:1::10', netmask: 'ffff:ffff:ffff:ffff::' } : { ip_address: '192.168.0.233', netmask: '255.255.255.0' }),
        routes: statics ? [v6 ? { network: '::', netmask: '::', gateway: '2001:db8:0:1::1' } : { network: '0.0.0.0', netmask: '0.0.0.0', gateway: '192.168.0.1' }] : [],
        ...extra,
      },
    ],
    services: [],
  };
}

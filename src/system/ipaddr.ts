// Interfaces, their addresses and MTU through iproute2 (`ip -d -j address`), run without a shell; a pure parser for its JSON.
import { writeFile } from 'node:fs/promises';
import { MdctlError, quote } from '../core/errors.js';
import { METADATA_IPV4, addressValue, formatAddress, type Family } from '../core/ip.js';
import { exec as defaultExec, type Exec } from './exec.js';
import { ipJsonList, ipText } from './iproute.js';
import type { MacLink } from './mac-map.js';

export interface LiveAddress {
  family: Family;
  /** Canonical text. */
  address: string;
  prefix: number;
}

export interface LiveInterface extends MacLink {
  mtu: number | null;
  /** Administratively up (the UP flag). */
  up: boolean;
  addresses: LiveAddress[];
}

export interface AddressTable {
  interfaces(): Promise<LiveInterface[]>;
  /** Adds the address (or refreshes it when present): `ip address replace`. */
  add(dev: string, address: LiveAddress): Promise<void>;
  remove(dev: string, address: LiveAddress): Promise<void>;
  setMtu(dev: string, mtu: number): Promise<void>;
  setUp(dev: string): Promise<void>;
  /** Creates VLAN `id` on `parent` named `dev`. */
  addVlan(dev: string, parent: string, id: number): Promise<void>;
  removeLink(dev: string): Promise<void>;
  /** The interface and source address the kernel uses to reach 169.254.169.254 now, or null when it has no route. */
  metadataRoute(): Promise<{ dev: string | null; source: string | null } | null>;
}

function addressesOf(info: unknown): LiveAddress[] {
  if (!Array.isArray(info)) return [];
  return info.flatMap((item: Record<string, unknown>) => {
    const parsed = addressValue(ipText(item.local) ?? '');
    const prefix = item.prefixlen;
    if (parsed === null || typeof prefix !== 'number') return [];
    return [{ family: parsed.family, address: formatAddress(parsed.family, parsed.value), prefix }];
  });
}

/** Parses `ip -d -j address show`. */
export function parseIpAddresses(json: string): LiveInterface[] {
  return ipJsonList(json, 'interfaces').flatMap((item) => {
    const name = ipText(item.ifname);
    const mac = ipText(item.address)?.toLowerCase() ?? null;
    if (name === null || mac === null || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) return [];
    const permanent = ipText(item.permaddr);
    const kind = ipText((item.linkinfo as Record<string, unknown> | undefined)?.info_kind);
    return [
      {
        name,
        mac,
        ...(permanent === null ? {} : { permanentMac: permanent.toLowerCase() }),
        ...(kind === null ? {} : { kind }),
        mtu: typeof item.mtu === 'number' ? item.mtu : null,
        up: Array.isArray(item.flags) && item.flags.includes('UP'),
        addresses: addressesOf(item.addr_info),
      },
    ];
  });
}

/**
 * Lets the kernel promote a secondary IPv4 address when the primary one is removed, as systemd
 * sets it by default: without it, removing mdctl's primary address would take every other
 * address of that subnet (someone else's too) with it. Written for the network namespace mdctl
 * runs in.
 */
async function promoteSecondaries(dev: string): Promise<void> {
  if (!/^[^/\s]{1,15}$/.test(dev) || dev === '.' || dev === '..') throw new MdctlError('ERR_INVALID_VALUE', `${quote(dev)} is not an interface name`);
  const path = `/proc/sys/net/ipv4/conf/${dev}/promote_secondaries`;
  await writeFile(path, '1\n').catch((error: NodeJS.ErrnoException) => {
    throw new MdctlError('ERR_IO', `cannot set ${quote(path)}: ${error.code ?? 'error'}`, { cause: error });
  });
}

/**
 * Addresses and links through `ip`. `command` is how to run ip, e.g. ["ip"] or
 * ["ip", "netns", "exec", "ns1", "ip"].
 */
export function ipAddressTable(command: readonly string[] = ['ip'], run: Exec = defaultExec): AddressTable {
  const cidr = (address: LiveAddress): string => `${address.address}/${address.prefix}`;
  return {
    async interfaces() {
      return parseIpAddresses((await run([...command, '-d', '-j', 'address', 'show'])).stdout);
    },
    async add(dev, address) {
      await run([...command, `-${address.family}`, 'address', 'replace', cidr(address), 'dev', dev]);
    },
    async remove(dev, address) {
      if (address.family === 4) await promoteSecondaries(dev);
      await run([...command, `-${address.family}`, 'address', 'del', cidr(address), 'dev', dev]);
    },
    async setMtu(dev, mtu) {
      await run([...command, 'link', 'set', 'dev', dev, 'mtu', String(mtu)]);
    },
    async setUp(dev) {
      await run([...command, 'link', 'set', 'dev', dev, 'up']);
    },
    async addVlan(dev, parent, id) {
      await run([...command, 'link', 'add', 'link', parent, 'name', dev, 'type', 'vlan', 'id', String(id)]);
    },
    async removeLink(dev) {
      await run([...command, 'link', 'del', 'dev', dev]);
    },
    async metadataRoute() {
      const answer = await run([...command, '-j', '-4', 'route', 'get', METADATA_IPV4]).catch(() => null);
      const first = answer === null ? undefined : ipJsonList(answer.stdout, 'the route to the metadata service')[0];
      return first === undefined ? null : { dev: ipText(first.dev), source: ipText(first.prefsrc) };
    },
  };
}

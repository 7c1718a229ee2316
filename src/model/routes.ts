// Validation of the routes the routes applier accepts: CIDR destinations, gateways on-link, the metadata route kept.
import { isIPv4, isIPv6 } from 'node:net';
import { MdctlError, quote } from '../core/errors.js';
import type { Network, Route } from '../core/instance.js';
import { netmaskToPrefix } from './netmask.js';

export type Family = 4 | 6;

export interface CheckedRoute {
  family: Family;
  /** Canonical CIDR: "10.20.0.0/16", "0.0.0.0/0", "2001:db8::/64". */
  destination: string;
  prefix: number;
  gateway: string;
  mac: string | null;
  link: string | null;
}

const METADATA_V4 = '169.254.169.254';
const METADATA_V6 = 'fe80::a9fe:a9fe';

/** An address as a bigint of 32 or 128 bits, or null when it is not an IPv4/IPv6 address. */
export function addressValue(address: string): { family: Family; value: bigint } | null {
  if (isIPv4(address)) {
    return { family: 4, value: address.split('.').reduce((sum, part) => (sum << 8n) | BigInt(Number(part)), 0n) };
  }
  if (!isIPv6(address) || address.includes('%')) return null;
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const v4 = addressValue(dotted[1] as string)?.value ?? 0n;
    text = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headWords = head === '' ? [] : head.split(':');
  const tailWords = tail === undefined || tail === '' ? [] : tail.split(':');
  const words = [...headWords, ...new Array<string>(8 - headWords.length - tailWords.length).fill('0'), ...tailWords];
  return { family: 6, value: words.reduce((sum, word) => (sum << 16n) | BigInt(parseInt(word, 16)), 0n) };
}

function formatValue(family: Family, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const words = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j += 1;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((word) => word.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

function bits(family: Family): number {
  return family === 4 ? 32 : 128;
}

function inSubnet(address: bigint, network: bigint, prefix: number, family: Family): boolean {
  const shift = BigInt(bits(family) - prefix);
  return address >> shift === network >> shift;
}

function refuse(route: Route, why: string): MdctlError {
  return new MdctlError('ERR_INVALID_VALUE', `route ${quote(`${route.destination} via ${route.gateway}`)} refused: ${why}`);
}

function networkPrefix(network: Network): number | null {
  if (network.prefix !== null) return network.prefix;
  return network.netmask === null ? null : netmaskToPrefix(network.netmask);
}

/** Whether the gateway lies in a subnet of the route's own link (or is IPv6 link-local). */
function onLink(route: Route, gateway: { family: Family; value: bigint }, networks: Network[]): boolean {
  if (gateway.family === 6 && inSubnet(gateway.value, addressValue('fe80::')?.value ?? 0n, 10, 6)) return true;
  return networks.some((network) => {
    const sameLink =
      route.mac !== null && network.mac !== null
        ? network.mac.toLowerCase() === route.mac.toLowerCase()
        : route.link !== null && network.link === route.link;
    const address = network.ip_address === null ? null : addressValue(network.ip_address);
    const prefix = networkPrefix(network);
    return sameLink && address !== null && prefix !== null && address.family === gateway.family && inSubnet(gateway.value, address.value, prefix, gateway.family);
  });
}

/** Checks one route of the document; throws ERR_INVALID_VALUE naming it when it cannot be applied. */
export function checkRoute(route: Route, networks: Network[]): CheckedRoute {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(route.destination);
  const base = match === null ? null : addressValue(match[1] as string);
  if (match === null || base === null) throw refuse(route, 'destination is not an address/prefix');
  const prefix = Number(match[2]);
  if (prefix > bits(base.family)) throw refuse(route, `prefix /${prefix} is too long`);
  const hostMask = (1n << BigInt(bits(base.family) - prefix)) - 1n;
  if ((base.value & hostMask) !== 0n) throw refuse(route, 'address bits set beyond the prefix');
  const gateway = addressValue(route.gateway);
  if (gateway === null) throw refuse(route, 'gateway is not an address');
  if (gateway.family !== base.family) throw refuse(route, 'gateway and destination are of different families');
  if (!onLink(route, gateway, networks)) throw refuse(route, 'gateway is not on the link of any network of this interface');
  // The kernel takes "via <own address>" and then sends the traffic nowhere.
  if (networks.some((network) => network.ip_address !== null && addressValue(network.ip_address)?.value === gateway.value && addressValue(network.ip_address)?.family === gateway.family)) {
    throw refuse(route, 'gateway is an address of this machine');
  }
  return {
    family: base.family,
    destination: `${formatValue(base.family, base.value)}/${prefix}`,
    prefix,
    gateway: formatValue(gateway.family, gateway.value),
    mac: route.mac === null ? null : route.mac.toLowerCase(),
    link: route.link,
  };
}

/**
 * Whether a (non-default) route would capture traffic to the metadata service itself, which
 * could cut mdctl off from it. Default routes never win over the route mdctl came by.
 */
export function capturesMetadataService(route: CheckedRoute): boolean {
  if (route.prefix === 0) return false;
  const service = addressValue(route.family === 4 ? METADATA_V4 : METADATA_V6);
  const base = addressValue(route.destination.split('/')[0] as string);
  return service !== null && base !== null && inSubnet(service.value, base.value, route.prefix, route.family);
}

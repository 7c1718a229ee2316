// Validation of the routes the routes applier accepts: CIDR destinations, gateways on-link, the metadata route kept.
import { MdctlError, quote } from '../core/errors.js';
import type { Network, Route } from '../core/instance.js';
import { METADATA_IPV4, METADATA_IPV6, addressValue, bits, formatAddress, inSubnet, isLinkLocal6, netmaskToPrefix, type AddressValue, type Family } from '../core/ip.js';

export interface CheckedRoute {
  family: Family;
  /** Canonical CIDR: "10.20.0.0/16", "0.0.0.0/0", "2001:db8::/64". */
  destination: string;
  prefix: number;
  gateway: string;
  mac: string | null;
  link: string | null;
}

function refuse(route: Route, why: string): MdctlError {
  return new MdctlError('ERR_INVALID_VALUE', `route ${quote(`${route.destination} via ${route.gateway}`)} refused: ${why}`);
}

function networkPrefix(network: Network): number | null {
  if (network.prefix !== null) return network.prefix;
  return network.netmask === null ? null : netmaskToPrefix(network.netmask);
}

/** Whether the gateway lies in a subnet of the route's own link (or is IPv6 link-local). */
function onLink(route: Route, gateway: AddressValue, networks: Network[]): boolean {
  if (isLinkLocal6(gateway)) return true;
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
    destination: `${formatAddress(base.family, base.value)}/${prefix}`,
    prefix,
    gateway: formatAddress(gateway.family, gateway.value),
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
  const service = addressValue(route.family === 4 ? METADATA_IPV4 : METADATA_IPV6);
  const base = addressValue(route.destination.split('/')[0] as string);
  return service !== null && base !== null && inSubnet(service.value, base.value, route.prefix, route.family);
}

// The route and IPv6 hops of `mdctl doctor`, from what route discovery read: pure.
import { METADATA_IPV4 } from '../core/ip.js';
import type { Ipv4Route, RouteReport } from '../net/route.js';
import { fail, pass, warn, type Hop } from './types.js';

function describeRoute(route: Ipv4Route): string {
  const via = route.gateway === null ? 'on-link' : `via ${route.gateway}`;
  return `${route.destination}/${route.prefix} ${via} dev ${route.interface} metric ${route.metric}`;
}

/** The IPv4 route to 169.254.169.254, and what kind it is. */
export function routeHop(report: RouteReport): Hop {
  const route = report.ipv4;
  if (route === null) {
    if (report.ipv6.length > 0) return warn('route', `no IPv4 route to ${METADATA_IPV4}; the service can only be reached over IPv6 link-local`);
    return fail(
      'route',
      'unreachable',
      `no route to ${METADATA_IPV4} and no IPv6 link-local interface: is the interface up, and did DHCP answer? (look at \`ip route\`, \`ip link\` and the DHCP client's log)`,
    );
  }
  const shown = describeRoute(route);
  if (route.optionRoute121) return pass('route', `${shown}: a host route, as DHCP option 121 installs it`);
  if (route.prefix === 0) {
    return pass('route', `${shown}: the default route, no option-121 host route; the router (${route.gateway ?? 'on-link'}) must answer for ${METADATA_IPV4}`);
  }
  if (route.gateway === null) return pass('route', `${shown}: the service is on the link (a link-local route or the DHCP port itself)`);
  return pass('route', shown);
}

/** The IPv6 link-local candidates (fe80::a9fe:a9fe with a zone). */
export function ipv6Hop(report: RouteReport): Hop {
  if (report.ipv6.length === 0) return pass('ipv6', 'no IPv6 link-local candidate (IPv4 only)');
  return pass('ipv6', report.ipv6.map((candidate) => `${candidate.address}%${candidate.zone}`).join(', '));
}

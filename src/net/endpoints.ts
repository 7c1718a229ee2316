// Candidate base URLs of the metadata service (parsing a base, IPv6 zone included, lives in core/endpoint.ts).
import { parseBase } from '../core/endpoint.js';
import { MdctlError } from '../core/errors.js';
import { METADATA_IPV4, METADATA_IPV6 } from '../core/ip.js';
import type { RouteReport } from './route.js';

type CandidateKind = 'endpoint' | 'ipv4' | 'ipv6';

interface Candidate {
  kind: CandidateKind;
  /** The base URL to hand to createClient(); IPv6 zones are written `%25zone` (RFC 6874). */
  base: string;
  /** The interface the candidate goes out of, when known. */
  interface?: string;
}

export { ENDPOINT_HINT, endpointProblem, parseBase, type ParsedBase } from '../core/endpoint.js';

/** The base URL of fe80::a9fe:a9fe through one interface. */
export function ipv6Base(zone: string): string {
  return `http://[${METADATA_IPV6}%25${encodeURIComponent(zone)}]`;
}

const IPV4_BASE = `http://${METADATA_IPV4}`;

/** The error when neither an IPv4 route nor an IPv6 candidate exists. */
export function noRouteError(): MdctlError {
  return new MdctlError(
    'ERR_NO_ROUTE',
    `route: no route to ${METADATA_IPV4} in /proc/net/route and no IPv6 link-local interface in /proc/net/if_inet6`,
    { hint: 'is the network up? DHCP gives the route; try --endpoint URL to skip discovery' },
  );
}

/**
 * The bases to try, in order: `--endpoint` alone when given; else 169.254.169.254 when an IPv4
 * route exists, then fe80::a9fe:a9fe once per IPv6 zone. Throws ERR_NO_ROUTE when there is none.
 */
export function candidates(report: RouteReport, endpoint?: string): Candidate[] {
  if (endpoint !== undefined && endpoint !== '') {
    parseBase(endpoint);
    return [{ kind: 'endpoint', base: endpoint }];
  }
  const list: Candidate[] = [];
  if (report.ipv4 !== null) list.push({ kind: 'ipv4', base: IPV4_BASE, interface: report.ipv4.interface });
  for (const v6 of report.ipv6) list.push({ kind: 'ipv6', base: ipv6Base(v6.zone), interface: v6.interface });
  if (list.length === 0) throw noRouteError();
  return list;
}

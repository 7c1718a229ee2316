// Candidate base URLs of the metadata service, and parsing of bases that carry an IPv6 zone.
import { MdctlError, quote } from '../core/errors.js';
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

/** A base URL split into what WHATWG URL accepts and the zone it cannot carry. */
export interface ParsedBase {
  /** The origin without any zone, e.g. `http://[fe80::a9fe:a9fe]` (the Host header's form). */
  origin: string;
  /** The path prefix of the base, without a trailing slash ('' for none). */
  pathPrefix: string;
  protocol: 'http:' | 'https:';
  /** The host to connect to, with the zone for a link-local IPv6 address (`fe80::a9fe:a9fe%eth0`). */
  connectHost: string;
  /** The zone (interface name), or null. */
  zone: string | null;
}

const ZONED = /^(https?:\/\/\[)([0-9A-Fa-f:.]+)%(?:25)?([^\]]+)(\].*)$/;

function usage(base: string, why: string): MdctlError {
  return new MdctlError('ERR_USAGE', `endpoint ${quote(base)}: ${why}`, {
    hint: 'use http://HOST[:PORT], e.g. http://169.254.169.254 or http://[fe80::a9fe:a9fe%25eth0]',
  });
}

/** Parse a base URL; accepts an IPv6 zone written `%25zone` or `%zone`. Throws ERR_USAGE. */
export function parseBase(base: string): ParsedBase {
  let zone: string | null = null;
  let plain = base;
  const match = ZONED.exec(base);
  if (match !== null) {
    const [, head, address, rawZone, tail] = match as unknown as [string, string, string, string, string];
    try {
      zone = decodeURIComponent(rawZone);
    } catch {
      throw usage(base, 'the IPv6 zone is not valid percent-encoding');
    }
    if (zone === '' || /[\s/]/.test(zone)) throw usage(base, 'the IPv6 zone is not an interface name');
    plain = `${head}${address}${tail}`;
  }
  let url: URL;
  try {
    url = new URL(plain);
  } catch {
    throw usage(base, 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(base, `unsupported scheme ${quote(url.protocol)}`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw usage(base, 'credentials, query and fragment are not allowed');
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (zone !== null && !hostname.toLowerCase().startsWith('fe80:')) throw usage(base, 'a zone is only valid on a link-local fe80:: address');
  return {
    origin: url.origin,
    pathPrefix: url.pathname.replace(/\/+$/, ''),
    protocol: url.protocol,
    connectHost: zone === null ? hostname : `${hostname}%${zone}`,
    zone,
  };
}

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

// A metadata service base URL (--endpoint): what is accepted and how it splits, IPv6 zone included. Pure: the option check and the HTTP client share it.
import { MdctlError, quote } from './errors.js';

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

/** What a base URL looks like, for the messages that refuse one. */
export const ENDPOINT_HINT = 'use http://HOST[:PORT], e.g. http://169.254.169.254 or http://[fe80::a9fe:a9fe%25eth0]';

/** A refused base URL: `why` alone is what endpointProblem() reports. */
class EndpointError extends MdctlError {
  constructor(
    base: string,
    readonly why: string,
  ) {
    super('ERR_USAGE', `endpoint ${quote(base)}: ${why}`, { hint: ENDPOINT_HINT });
  }
}

function usage(base: string, why: string): MdctlError {
  return new EndpointError(base, why);
}

/** Why parseBase() refuses a base URL, or null when it accepts it. */
export function endpointProblem(base: string): string | null {
  try {
    parseBase(base);
    return null;
  } catch (error) {
    if (error instanceof EndpointError) return error.why;
    throw error;
  }
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


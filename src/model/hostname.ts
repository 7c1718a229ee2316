// Hostname policy (DESIGN.md section 5): RFC 1123 labels, lower-cased, "_" -> "-", short name cut to 63; cloud-init's choice of short name and FQDN.
import { MdctlError, quote } from '../core/errors.js';

interface HostnamePair {
  /** The first label. */
  short: string;
  /** The whole name, e.g. "dvr3-demo12.novalocal" (equal to short when there is no domain). */
  fqdn: string;
}

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function refuse(value: string, why: string): MdctlError {
  return new MdctlError('ERR_INVALID_VALUE', `hostname ${quote(value)} refused: ${why}`, {
    hint: 'only letters, digits, "-", "_" and "." in labels of at most 63 characters, 253 in all',
  });
}

/**
 * The short name and FQDN for a hostname as served. Lower-cases, turns "_" into "-", drops one
 * trailing dot and cuts a first label over 63 characters (in both names); refuses anything that
 * is still not a valid RFC 1123 name, or that resolvers would read as an IPv4 address, naming the value.
 */
export function normalizeHostname(value: string): HostnamePair {
  if (value.length > 253) throw refuse(value, `${value.length} characters, over 253`);
  if (value === '') throw refuse(value, 'empty');
  if (!/^[A-Za-z0-9._-]+$/.test(value)) throw refuse(value, 'characters other than letters, digits, "-", "_" and "."');
  const labels = value.toLowerCase().replace(/_/g, '-').replace(/\.$/, '').split('.');
  // inet_aton(3) reads one to four numbers (decimal, octal, 0x hex) as an IPv4 address: "10.0.0.5", even "12345".
  if (labels.length <= 4 && labels.every((label) => /^(0x[0-9a-f]*|[0-9]+)$/.test(label))) throw refuse(value, 'looks like an IP address');
  const [first, ...rest] = labels as [string, ...string[]];
  const short = first.length > 63 ? first.slice(0, 63).replace(/-+$/, '') : first;
  for (const [index, label] of [short, ...rest].entries()) {
    if (label === '') throw refuse(value, 'empty label');
    if (label.length > 63) throw refuse(value, `label ${index + 1} is over 63 characters`);
    if (!LABEL.test(label)) throw refuse(value, `label ${quote(label)} starts or ends with "-"`);
  }
  return { short, fqdn: [short, ...rest].join('.') };
}

/** What cloud-config says: its `hostname` and `fqdn` as given (null when absent). */
interface HostnameOverrides {
  hostname: string | null;
  fqdn: string | null;
}

/**
 * The short name and FQDN by cloud-init's rules (util.get_hostname_fqdn), each normalised:
 * cloud-config `fqdn` wins (short name: cloud-config `hostname` when given, else the fqdn's first
 * label); a cloud-config `hostname` with a dot (not leading) is both; one without a dot is the
 * short name while the FQDN stays the metadata's hostname (itself when there is none). Without
 * either, both come from the metadata's hostname. Null when nothing names the host.
 */
export function chooseHostnames(metadata: string | null, overrides: HostnameOverrides): HostnamePair | null {
  const { hostname, fqdn } = overrides;
  if (fqdn !== null) {
    const pair = normalizeHostname(fqdn);
    return { short: hostname === null ? pair.short : normalizeHostname(hostname).short, fqdn: pair.fqdn };
  }
  if (hostname !== null && hostname.indexOf('.') > 0) return normalizeHostname(hostname);
  const fromMetadata = metadata === null ? null : normalizeHostname(metadata);
  if (hostname === null) return fromMetadata;
  const short = normalizeHostname(hostname).short;
  return { short, fqdn: fromMetadata?.fqdn ?? short };
}

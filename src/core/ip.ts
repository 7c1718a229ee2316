// IP address and prefix math, the one home for it: parse, format, netmasks, subnets, the metadata service's addresses. Pure.
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

/** An address as a number: 32 bits for IPv4, 128 for IPv6. */
export interface AddressValue {
  family: Family;
  value: bigint;
}

export const METADATA_IPV4 = '169.254.169.254';
export const METADATA_IPV6 = 'fe80::a9fe:a9fe';

/** Bits in an address of the family. */
export function bits(family: Family): number {
  return family === 4 ? 32 : 128;
}

/** An address as a bigint of 32 or 128 bits, or null when it is not an IPv4/IPv6 address (a zone index is not). */
export function addressValue(address: string): AddressValue | null {
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

/** The canonical text of an address: dotted quad, or RFC 5952 IPv6 (the longest run of zero words as "::"). */
export function formatAddress(family: Family, value: bigint): string {
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

/** Whether `address` lies in `network`/`prefix` (both of `family`). */
export function inSubnet(address: bigint, network: bigint, prefix: number, family: Family): boolean {
  const shift = BigInt(bits(family) - prefix);
  return address >> shift === network >> shift;
}

/** Whether an IPv6 address is link-local (fe80::/10). */
export function isLinkLocal6(address: AddressValue): boolean {
  return address.family === 6 && inSubnet(address.value, 0xfe80n << 112n, 10, 6);
}

/** Decode the kernel's %08X of a network-order IPv4 address (byte order of the host that wrote it). */
export function hexToIpv4(hex: string, littleEndian = true): string | null {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return null;
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return (littleEndian ? bytes.reverse() : bytes).join('.');
}

/** The 4 bytes of a dotted-quad IPv4 address, or null when it is not one. */
function ipv4Bytes(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

/** The 16 bytes of an IPv6 address (with "::" and an optional dotted tail), or null. */
function ipv6Bytes(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string | undefined): number[] | null => {
    if (half === undefined || half === '') return [];
    const words: number[] = [];
    const fields = half.split(':');
    for (const [index, field] of fields.entries()) {
      if (index === fields.length - 1 && field.includes('.')) {
        const tail = ipv4Bytes(field);
        if (tail === null) return null;
        words.push(((tail[0] ?? 0) << 8) | (tail[1] ?? 0), ((tail[2] ?? 0) << 8) | (tail[3] ?? 0));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(field)) return null;
        words.push(parseInt(field, 16));
      }
    }
    return words;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

/** Number of leading one bits when the mask is contiguous ones then zeros, else null. */
function contiguousOnes(bytes: number[]): number | null {
  let prefix = 0;
  let ended = false;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit -= 1) {
      const one = ((byte >> bit) & 1) === 1;
      if (one && ended) return null;
      if (one) prefix += 1;
      else ended = true;
    }
  }
  return prefix;
}

/**
 * Prefix length of a netmask: "255.255.0.0" -> 16, "ffff:ffff:ffff:ffff::" -> 64, a bare
 * length ("24", "/64") as is. Null for anything else, including non-contiguous masks.
 */
export function netmaskToPrefix(mask: string): number | null {
  const bare = /^\/?(\d{1,3})$/.exec(mask);
  if (bare !== null) {
    const length = Number(bare[1]);
    return length <= 128 ? length : null;
  }
  const bytes = mask.includes(':') ? ipv6Bytes(mask) : ipv4Bytes(mask);
  return bytes === null ? null : contiguousOnes(bytes);
}

/**
 * A route destination as CIDR: ("10.20.0.0", "255.255.0.0") -> "10.20.0.0/16",
 * ("::", "::") -> "::/0". A mask that is not one is kept as served ("10.0.0.0/bogus") so the
 * routes applier can refuse it by name.
 */
export function toCidr(network: string, netmask: string): string {
  const prefix = netmaskToPrefix(netmask);
  return `${network}/${prefix === null ? netmask : String(prefix)}`;
}

/** Whether two dotted-quad IPv4 addresses share the subnet of a dotted netmask. */
export function sameIpv4Subnet(a: string, b: string, mask: string): boolean {
  const prefix = netmaskToPrefix(mask);
  const left = addressValue(a);
  const right = addressValue(b);
  if (prefix === null || left?.family !== 4 || right?.family !== 4) return false;
  return inSubnet(left.value, right.value, prefix, 4);
}

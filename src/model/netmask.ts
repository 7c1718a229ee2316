// Netmasks to prefix lengths (IPv4 dotted quads, IPv6 masks) and route destinations as CIDR.

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

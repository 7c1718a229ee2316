// SSH host public keys as `ssh-keygen -l` describes them, and cloud-init's console blocks of fingerprints and keys.
import { parseKeyLine } from './sshkeys.js';

export interface HostKey {
  /** "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa". */
  type: string;
  bits: number;
  /** "SHA256:..." */
  fingerprint: string;
  comment: string;
  /** The public key line: "type blob comment". */
  line: string;
}

const LABELS: Record<string, string> = {
  'ssh-ed25519': 'ED25519',
  'ecdsa-sha2-nistp256': 'ECDSA',
  'ecdsa-sha2-nistp384': 'ECDSA',
  'ecdsa-sha2-nistp521': 'ECDSA',
  'ssh-rsa': 'RSA',
  'ssh-dss': 'DSA',
};

const EC_BITS: Record<string, number> = { 'ecdsa-sha2-nistp256': 256, 'ecdsa-sha2-nistp384': 384, 'ecdsa-sha2-nistp521': 521 };

/** The bit length of the SSH mpint at field `index` of a blob (field 0 is the type). */
function mpintBits(blob: Buffer, index: number): number {
  let offset = 0;
  let value: Buffer = Buffer.alloc(0);
  for (let field = 0; field <= index; field += 1) {
    const length = blob.readUInt32BE(offset);
    value = blob.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
  }
  let start = 0;
  while (start < value.length && value[start] === 0) start += 1;
  if (start === value.length) return 0;
  return (value.length - start - 1) * 8 + (32 - Math.clz32(value[start] ?? 0));
}

/** The key's size as ssh-keygen -l prints it: RSA's modulus, DSA's p, the curve for ECDSA, 256 for Ed25519. */
function bitsOf(type: string, blob: Buffer): number {
  if (type === 'ssh-ed25519') return 256;
  if (type === 'ssh-rsa') return mpintBits(blob, 2);
  if (type === 'ssh-dss') return mpintBits(blob, 1);
  return EC_BITS[type] ?? 0;
}

/** A host public key line (a .pub file's first line), checked and described; throws ERR_INVALID_VALUE when it is not a key. */
export function describeHostKey(line: string): HostKey {
  const key = parseKeyLine(line);
  const blob = Buffer.from(key.blob, 'base64');
  return { type: key.type, bits: bitsOf(key.type, blob), fingerprint: key.fingerprint, comment: key.comment, line: key.line };
}

/** One line of `ssh-keygen -l -f FILE`: "256 SHA256:... root@host (ED25519)". */
export function fingerprintLine(key: HostKey): string {
  const label = LABELS[key.type] ?? key.type.toUpperCase();
  return `${key.bits} ${key.fingerprint} ${key.comment === '' ? 'no comment' : key.comment} (${label})`;
}

const RULE = '#'.repeat(61);

/**
 * The blocks cloud-init prints on the console (tools/write-ssh-key-fingerprints), DSA keys left
 * out as its defaults do: the fingerprints between "#" rules, then the public keys. Empty when
 * there is no key.
 */
export function consoleBlocks(keys: readonly HostKey[]): string {
  const shown = keys.filter((key) => key.type !== 'ssh-dss');
  if (shown.length === 0) return '';
  return [
    RULE,
    '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
    ...shown.map(fingerprintLine),
    '-----END SSH HOST KEY FINGERPRINTS-----',
    RULE,
    '-----BEGIN SSH HOST KEY KEYS-----',
    ...shown.map((key) => key.line),
    '-----END SSH HOST KEY KEYS-----',
    '',
  ].join('\n');
}

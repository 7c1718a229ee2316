// SSH public key validation: each line of a key entry is a key of its own, checked down to its blob's fields.
import { createHash } from 'node:crypto';
import { MdctlError, quote } from '../core/errors.js';
import type { PublicKey } from '../core/instance.js';

interface SshKey {
  type: string;
  /** The base64 blob as served. */
  blob: string;
  comment: string;
  /** The line mdctl writes: "type blob comment". */
  line: string;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  fingerprint: string;
}

interface RefusedKey {
  /** The key entry's name in the metadata. */
  name: string;
  line: string;
  reason: string;
}

type Field = 'mpint' | 'string' | { bytes: readonly number[] } | { equals: string };

const EC_POINT = { nistp256: 65, nistp384: 97, nistp521: 133 } as const;

/** What follows the type string inside each kind of blob (RFC 4253, 5656, 8709; OpenSSH PROTOCOL.u2f). */
const LAYOUTS: Record<string, readonly Field[]> = {
  'ssh-rsa': ['mpint', 'mpint'],
  'ssh-dss': ['mpint', 'mpint', 'mpint', 'mpint'],
  'ssh-ed25519': [{ bytes: [32] }],
  'ecdsa-sha2-nistp256': [{ equals: 'nistp256' }, { bytes: [EC_POINT.nistp256] }],
  'ecdsa-sha2-nistp384': [{ equals: 'nistp384' }, { bytes: [EC_POINT.nistp384] }],
  'ecdsa-sha2-nistp521': [{ equals: 'nistp521' }, { bytes: [EC_POINT.nistp521] }],
  'sk-ssh-ed25519@openssh.com': [{ bytes: [32] }, 'string'],
  'sk-ecdsa-sha2-nistp256@openssh.com': [{ equals: 'nistp256' }, { bytes: [EC_POINT.nistp256] }, 'string'],
};

export const KEY_TYPES: readonly string[] = Object.keys(LAYOUTS);

function refuse(line: string, why: string): MdctlError {
  return new MdctlError('ERR_INVALID_VALUE', `SSH key ${quote(line, 60)} refused: ${why}`);
}

/** Reads length-prefixed fields from a blob; throws when one runs past the end. */
class Reader {
  private offset = 0;
  constructor(private readonly data: Buffer) {}

  field(): Buffer {
    if (this.offset + 4 > this.data.length) throw new Error('blob is truncated');
    const length = this.data.readUInt32BE(this.offset);
    if (this.offset + 4 + length > this.data.length) throw new Error('blob is truncated');
    const value = this.data.subarray(this.offset + 4, this.offset + 4 + length);
    this.offset += 4 + length;
    return value;
  }

  get done(): boolean {
    return this.offset === this.data.length;
  }
}

function checkBlob(type: string, blob: Buffer): void {
  const reader = new Reader(blob);
  const inner = reader.field().toString('latin1');
  if (inner !== type) throw new Error(`blob holds a ${quote(inner, 40)} key, not ${quote(type)}`);
  for (const field of LAYOUTS[type] ?? []) {
    const value = reader.field();
    if (field === 'mpint' && value.length === 0) throw new Error('empty number in blob');
    if (typeof field === 'object' && 'bytes' in field && !field.bytes.includes(value.length)) {
      throw new Error(`key of ${value.length} bytes, expected ${field.bytes.join(' or ')}`);
    }
    if (typeof field === 'object' && 'equals' in field && value.toString('latin1') !== field.equals) {
      throw new Error(`curve ${quote(value.toString('latin1'), 40)} does not match the type`);
    }
  }
  if (!reader.done) throw new Error('bytes left over after the key');
}

function decodeBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const data = Buffer.from(text, 'base64');
  return data.toString('base64') === text ? data : null;
}

/** Checks one line; returns the key or throws ERR_INVALID_VALUE saying why, with the line quoted. */
export function parseKeyLine(line: string): SshKey {
  if (/[\r\0]/.test(line)) throw refuse(line, 'carriage return or NUL in the line');
  if (line.includes('\n')) throw refuse(line, 'more than one line');
  const trimmed = line.trim();
  const [type = '', blobText = '', ...rest] = trimmed.split(/[ \t]+/);
  if (!(type in LAYOUTS)) {
    const later = trimmed.split(/[ \t]+/).slice(1).some((word) => word in LAYOUTS);
    throw refuse(line, later || /[=,"]/.test(type) ? 'options before the key type are not accepted' : `unknown key type ${quote(type, 40)}`);
  }
  const blob = decodeBase64(blobText);
  if (blob === null) throw refuse(line, 'the key is not valid base64');
  try {
    checkBlob(type, blob);
  } catch (error) {
    throw refuse(line, (error as Error).message);
  }
  const comment = rest.join(' ');
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { type, blob: blobText, comment, line: comment === '' ? `${type} ${blobText}` : `${type} ${blobText} ${comment}`, fingerprint };
}

/**
 * Every SSH key of the document, one per line (LF or CRLF) of each entry, deduplicated by blob; lines that
 * fail the checks come back refused with the reason. Non-SSH entries (x509) are not keys here.
 */
export function checkPublicKeys(entries: readonly PublicKey[]): { keys: SshKey[]; refused: RefusedKey[] } {
  const keys: SshKey[] = [];
  const refused: RefusedKey[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry.type === 'x509') continue;
    for (const raw of entry.data.split('\n')) {
      // A CRLF ends a line like LF does (a key pasted on Windows); a CR anywhere else is refused by parseKeyLine.
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') continue;
      try {
        const key = parseKeyLine(line);
        if (seen.has(`${key.type} ${key.blob}`)) continue;
        seen.add(`${key.type} ${key.blob}`);
        keys.push(key);
      } catch (error) {
        refused.push({ name: entry.name, line: raw, reason: (error as Error).message });
      }
    }
  }
  return { keys, refused };
}

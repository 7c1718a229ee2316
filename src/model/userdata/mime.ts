// A small MIME reader (RFC 2045/2046): header blocks, Content-Type parameters, multipart bodies and transfer encodings.

export interface MimeHeaders {
  /** Lower-cased "type/subtype", or null when the entity has no Content-Type. */
  contentType: string | null;
  /** Content-Type parameters, names lower-cased. */
  params: Record<string, string>;
  /** Lower-cased Content-Transfer-Encoding, or null. */
  transferEncoding: string | null;
  /** Content-Disposition filename (or Content-Type name). */
  filename?: string;
  /** Whether a MIME-Version header was present. */
  mimeVersion: boolean;
}

interface MimeEntity {
  headers: MimeHeaders;
  body: Buffer;
}

const HEADER_LINE = /^([!-9;-~]+):[ \t]*(.*)$/;

/** Where the header block ends: the offset of the blank line and the offset after it; null when there is none. */
function headerEnd(text: string): { end: number; bodyStart: number } | null {
  if (text.startsWith('\r\n')) return { end: 0, bodyStart: 2 };
  if (text.startsWith('\n')) return { end: 0, bodyStart: 1 };
  const match = /\r?\n\r?\n/.exec(text);
  return match === null ? null : { end: match.index, bodyStart: match.index + match[0].length };
}

/** Splits `type/subtype; a=b; c="d e"` into the type and its parameters; throws on a syntax error. */
function parseParameterized(value: string): { value: string; params: Record<string, string> } {
  const [head = '', ...rest] = splitOutsideQuotes(value);
  const params: Record<string, string> = {};
  for (const item of rest) {
    if (item.trim() === '') continue;
    const match = /^\s*([!#-'*+.0-9A-Z^-~-]+)\s*=\s*(.*?)\s*$/.exec(item);
    if (match === null) throw new Error(`bad parameter ${JSON.stringify(item.trim().slice(0, 40))}`);
    const raw = match[2] ?? '';
    params[(match[1] ?? '').toLowerCase()] = raw.startsWith('"') ? unquote(raw) : raw;
  }
  return { value: head.trim().toLowerCase(), params };
}

function splitOutsideQuotes(value: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i += 1) {
    const char = value[i] ?? '';
    if (quoted && char === '\\') {
      current += char + (value[i + 1] ?? '');
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (char === ';' && !quoted) {
      items.push(current);
      current = '';
    } else current += char;
  }
  if (quoted) throw new Error('unterminated quoted string');
  items.push(current);
  return items;
}

function unquote(raw: string): string {
  if (!raw.endsWith('"') || raw.length < 2) throw new Error(`bad quoted value ${JSON.stringify(raw.slice(0, 40))}`);
  return raw.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** Parses a header block (latin1 text, lines unfolded); throws on a line that is not a header. */
function parseHeaders(block: string): MimeHeaders {
  const lines: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  const headers: MimeHeaders = { contentType: null, params: {}, transferEncoding: null, mimeVersion: false };
  let dispositionName: string | undefined;
  for (const line of lines) {
    const match = HEADER_LINE.exec(line);
    if (match === null) throw new Error(`bad header line ${JSON.stringify(line.slice(0, 40))}`);
    const name = (match[1] ?? '').toLowerCase();
    const value = match[2] ?? '';
    if (name === 'content-type') {
      const parsed = parseParameterized(value);
      if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(parsed.value)) throw new Error(`bad Content-Type ${JSON.stringify(parsed.value.slice(0, 40))}`);
      headers.contentType = parsed.value;
      headers.params = parsed.params;
    } else if (name === 'content-transfer-encoding') headers.transferEncoding = value.trim().toLowerCase();
    else if (name === 'content-disposition') dispositionName = parseParameterized(value).params.filename;
    else if (name === 'mime-version') headers.mimeVersion = true;
  }
  const filename = dispositionName ?? headers.params.name;
  if (filename !== undefined) headers.filename = filename;
  return headers;
}

/** Whether data starts like a MIME message: header lines, one of them MIME-Version or Content-Type. */
export function looksLikeMime(data: Buffer): boolean {
  const text = data.subarray(0, 4096).toString('latin1');
  if (!/^[A-Za-z][A-Za-z0-9-]*:/.test(text)) return false;
  const end = headerEnd(text);
  const block = end === null ? text : text.slice(0, end.end);
  return /^(mime-version|content-type):/im.test(block);
}

/** headerEnd on bytes: only the header block is ever turned into a string, never a body of megabytes. */
function headerEndIn(data: Buffer): { end: number; bodyStart: number } | null {
  const NL = 0x0a;
  const CR = 0x0d;
  if (data[0] === NL || (data[0] === CR && data[1] === NL)) return headerEnd(data.subarray(0, 2).toString('latin1'));
  for (let at = data.indexOf(NL); at !== -1; at = data.indexOf(NL, at + 1)) {
    const end = data[at - 1] === CR ? at - 1 : at;
    if (data[at + 1] === NL) return { end, bodyStart: at + 2 };
    if (data[at + 1] === CR && data[at + 2] === NL) return { end, bodyStart: at + 3 };
  }
  return null;
}

/** Splits an entity into its headers and body; throws when the header block is malformed. */
export function parseEntity(data: Buffer): MimeEntity {
  const end = headerEndIn(data);
  if (end === null) throw new Error('no blank line after the headers');
  const headers = parseHeaders(data.subarray(0, end.end).toString('latin1'));
  return { headers, body: data.subarray(end.bodyStart) };
}

/** A multipart body with more parts than allowed. */
export class TooManyParts extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} parts`);
  }
}

interface Delimiter {
  /** Where it starts: its leading line break, or 0 at the very start of the body. */
  index: number;
  /** Just after its own line break (or at the end of the body). */
  end: number;
  closing: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/**
 * The next delimiter line (RFC 2046 5.1.1) whose leading line break is at or after `from`: a
 * line break (or the start of the body), `--boundary`, an optional `--` that closes, spaces or
 * tabs, then a line break or the end. Searched in the bytes: the body never becomes a string.
 */
function nextDelimiter(body: Buffer, marker: Buffer, from: number): Delimiter | null {
  for (let at = body.indexOf(marker, from); at !== -1; at = body.indexOf(marker, at + 1)) {
    let index = at;
    if (at > 0) {
      if (body[at - 1] !== LF) continue;
      index = at >= 2 && body[at - 2] === CR && at - 2 >= from ? at - 2 : at - 1;
      if (index < from) continue;
    }
    let end = at + marker.length;
    const closing = body[end] === DASH && body[end + 1] === DASH;
    if (closing) end += 2;
    while (body[end] === 0x20 || body[end] === 0x09) end += 1;
    if (end === body.length) return { index, end, closing };
    if (body[end] === LF) return { index, end: end + 1, closing };
    if (body[end] === CR && body[end + 1] === LF) return { index, end: end + 2, closing };
  }
  return null;
}

/**
 * The body parts of a multipart body (RFC 2046 5.1.1): between the opening delimiter and the
 * closing one; preamble and epilogue are dropped. Each part is a view of the body, not a copy.
 * Throws when the boundary is bad, never appears, the closing delimiter is missing (a truncated
 * message is never acted on), or there are more than `maxParts` parts (it stops there:
 * millions of empty parts are never held).
 */
export function splitMultipart(body: Buffer, boundary: string | undefined, maxParts = Number.POSITIVE_INFINITY): Buffer[] {
  if (boundary === undefined || boundary === '') throw new Error('multipart without a boundary parameter');
  if (boundary.length > 70 || /[\r\n]/.test(boundary)) throw new Error('bad boundary parameter');
  const marker = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Buffer[] = [];
  let start: number | null = null;
  for (let found = nextDelimiter(body, marker, 0); found !== null; found = nextDelimiter(body, marker, found.end)) {
    if (start !== null) parts.push(body.subarray(start, found.index));
    if (parts.length > maxParts) throw new TooManyParts(maxParts);
    if (found.closing) {
      if (start === null) throw new Error(`closing boundary ${JSON.stringify(boundary)} before any part`);
      return parts;
    }
    start = found.end;
  }
  if (start === null) throw new Error(`boundary ${JSON.stringify(boundary)} not found`);
  throw new Error(`no closing boundary ${JSON.stringify(`--${boundary}--`)} (truncated?)`);
}

/** Undoes a Content-Transfer-Encoding; throws on an unknown encoding or bad base64. */
export function decodeTransfer(body: Buffer, encoding: string | null): Buffer {
  switch (encoding) {
    case null:
    case '7bit':
    case '8bit':
    case 'binary':
      return body;
    case 'base64': {
      const compact = body.toString('latin1').replace(/[ \t\r\n]/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) throw new Error('bad base64 in a base64 part');
      return Buffer.from(compact, 'base64');
    }
    case 'quoted-printable': {
      const text = body.toString('latin1').replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
      return Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    }
    default:
      throw new Error(`unknown Content-Transfer-Encoding ${JSON.stringify(encoding.slice(0, 40))}`);
  }
}

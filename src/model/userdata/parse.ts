// user-data -> typed parts: size limit, gzip (whole or per part), MIME multipart (nested), cloud-config parsed, scripts checked.
import type { Instance } from '../../core/instance.js';
import { detectContent, detectPart, type Detected } from './detect.js';
import { gunzipBounded, isGzip, type InflateBudget } from './gzip.js';
import { parseCloudConfig } from './cloud-config.js';
import { TooManyParts, decodeTransfer, looksLikeMime, parseEntity, splitMultipart, type MimeHeaders } from './mime.js';
import { MAX_INFLATED_BYTES, MAX_NESTING, MAX_PARTS, MAX_USER_DATA_BYTES, type PartInfo, type UserData, type UserDataPart } from './types.js';

interface Walk {
  parts: UserDataPart[];
  budget: InflateBudget;
}

interface Origin {
  gzip: boolean;
  filename?: string;
}

/** The user-data bytes of a document (base64 when user_data_encoding says so), or null. */
export function userDataBytes(doc: Pick<Instance, 'user_data' | 'user_data_encoding'>): Buffer | null {
  if (doc.user_data === null || doc.user_data === undefined) return null;
  return doc.user_data_encoding === 'base64' ? Buffer.from(doc.user_data, 'base64') : Buffer.from(doc.user_data, 'utf8');
}

const MIB = `${MAX_INFLATED_BYTES / 1024 / 1024} MiB`;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function push(walk: Walk, detected: Detected, body: Buffer, origin: Origin, error?: string): UserDataPart {
  if (walk.parts.length >= MAX_PARTS) throw new TooManyParts(MAX_PARTS);
  const part: UserDataPart = {
    index: walk.parts.length,
    type: detected.type,
    content_type: detected.contentType,
    ...(origin.filename === undefined ? {} : { filename: origin.filename }),
    size: body.length,
    ...(origin.gzip ? { gzip: true } : {}),
    ...(error === undefined ? {} : { error }),
    body,
  };
  walk.parts.push(part);
  return part;
}

/** A leaf part: cloud-config is parsed, a script must start with "#!". */
function leaf(walk: Walk, detected: Detected, body: Buffer, origin: Origin): void {
  if (detected.type === 'cloud-config') {
    try {
      const config = parseCloudConfig(body);
      push(walk, detected, body, origin).cloudConfig = config;
    } catch (error) {
      push(walk, detected, body, origin, message(error));
    }
  } else if (detected.type === 'script' && !body.subarray(0, 2).equals(Buffer.from('#!'))) {
    push(walk, detected, body, origin, 'a script part must start with "#!" (it is run directly)');
  } else push(walk, detected, body, origin);
}

/** Inflates gzip data in place of the payload; on failure records an error part and returns null. */
function inflate(walk: Walk, data: Buffer, origin: Origin, depth: number): Buffer | null {
  if (depth > MAX_NESTING) {
    push(walk, { type: 'binary', contentType: 'application/gzip' }, data, { ...origin, gzip: true }, `gzip nested more than ${MAX_NESTING} deep`);
    return null;
  }
  try {
    return gunzipBounded(data, walk.budget, MIB);
  } catch (error) {
    push(walk, { type: 'binary', contentType: 'application/gzip' }, data, { ...origin, gzip: true }, message(error));
    return null;
  }
}

/** A MIME entity: its headers decide; multipart bodies are split and walked. */
function entity(walk: Walk, headers: MimeHeaders, raw: Buffer, origin: Origin, depth: number): void {
  const named: Origin = { ...origin, ...(headers.filename === undefined ? {} : { filename: headers.filename }) };
  let body: Buffer;
  try {
    body = decodeTransfer(raw, headers.transferEncoding);
  } catch (error) {
    push(walk, { type: 'binary', contentType: headers.contentType ?? 'text/plain' }, raw, named, message(error));
    return;
  }
  if (isGzip(body)) {
    const inflated = inflate(walk, body, named, depth);
    if (inflated === null) return;
    const generic = headers.contentType === null || /^application\/(x-)?gzip$|^application\/octet-stream$/.test(headers.contentType);
    if (generic) {
      payload(walk, inflated, { ...named, gzip: true }, depth + 1);
      return;
    }
    body = inflated;
    named.gzip = true;
  }
  const detected = detectPart(headers.contentType, body);
  if (detected.type !== 'multipart') {
    leaf(walk, detected, body, named);
    return;
  }
  if (depth > MAX_NESTING) {
    push(walk, detected, body, named, `multipart nested more than ${MAX_NESTING} deep`);
    return;
  }
  let children: Buffer[];
  try {
    children = splitMultipart(body, headers.params.boundary, MAX_PARTS - walk.parts.length);
  } catch (error) {
    if (error instanceof TooManyParts) throw error;
    push(walk, detected, body, named, `malformed MIME: ${message(error)}`);
    return;
  }
  for (const child of children) {
    let parsed;
    try {
      parsed = parseEntity(child);
    } catch (error) {
      push(walk, { type: 'binary', contentType: 'text/plain' }, child, { gzip: origin.gzip }, `malformed MIME part: ${message(error)}`);
      continue;
    }
    entity(walk, parsed.headers, parsed.body, { gzip: origin.gzip }, depth + 1);
  }
}

/** Any payload: gzip is inflated, a MIME message is read by its headers, anything else by its first bytes. */
function payload(walk: Walk, data: Buffer, origin: Origin, depth: number): void {
  if (isGzip(data)) {
    const inflated = inflate(walk, data, origin, depth);
    if (inflated !== null) payload(walk, inflated, { ...origin, gzip: true }, depth + 1);
    return;
  }
  if (looksLikeMime(data)) {
    try {
      const parsed = parseEntity(data);
      entity(walk, parsed.headers, parsed.body, origin, depth);
    } catch (error) {
      if (error instanceof TooManyParts) throw error;
      push(walk, { type: 'multipart', contentType: 'multipart/mixed' }, data, origin, `malformed MIME: ${message(error)}`);
    }
    return;
  }
  leaf(walk, detectContent(data), data, origin);
}

/** Every part of the user-data, in order, and every error; pure. */
export function parseUserData(data: Buffer | null): UserData {
  if (data === null || data.length === 0) return { size: 0, parts: [], errors: [] };
  const walk: Walk = { parts: [], budget: { remaining: MAX_INFLATED_BYTES } };
  const whole = isGzip(data) ? { type: 'binary' as const, contentType: 'application/gzip' } : detectContent(data);
  if (data.length > MAX_USER_DATA_BYTES) {
    push(walk, whole, data, { gzip: isGzip(data) }, `user-data is ${data.length} bytes, over Nova's limit of ${MAX_USER_DATA_BYTES}; refused`);
  } else {
    try {
      payload(walk, data, { gzip: false }, 0);
    } catch (error) {
      if (!(error instanceof TooManyParts)) throw error;
      // Refused as a whole: one part stands for it, and none of its parts is kept.
      walk.parts = [];
      const kind = looksLikeMime(data) ? { type: 'multipart' as const, contentType: 'multipart/mixed' } : whole;
      push(walk, kind, data, { gzip: isGzip(data) }, `user-data has more than ${MAX_PARTS} parts; refused`);
    }
  }
  const errors = walk.parts.flatMap((part) => (part.error === undefined ? [] : [`part ${part.index} (${part.type}): ${part.error}`]));
  return { size: data.length, parts: walk.parts, errors };
}

/** The parts without their bytes, as `mdctl get user-data.parts` prints them. */
export function partInfos(userData: UserData): PartInfo[] {
  return userData.parts.map(({ body: _body, cloudConfig: _config, ...info }) => info);
}

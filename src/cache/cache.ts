// The instance cache: instance.json (0644, no sensitive keys) and instance-sensitive.json (0600).
import type { Stats } from 'node:fs';
import { mkdir, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { MdctlError, isMdctlError, quote } from '../core/errors.js';
import { SCHEMA_VERSION, type Instance } from '../core/instance.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../model/depth.js';
import { isObject } from '../model/fields.js';
import { instanceProblem } from '../model/shape.js';
import { inspectUnder, readFileUnder, writeFileAtomic } from '../system/files.js';
import { mergeSensitive, splitSensitive } from './sensitive.js';

export const CACHE_FILE = 'instance.json';
export const SENSITIVE_FILE = 'instance-sensitive.json';
/** Larger cache files are written without indentation. */
const PRETTY_LIMIT = 64 * 1024;
/** A cache file larger than this was not written by mdctl (5 files of at most 1 MiB each, compact). */
export const MAX_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Why the sensitive keys are not in a document read from the cache: `denied` (this user cannot
 * read instance-sensitive.json), `missing`, or `invalid` (corrupt, a symlink, another fetch's).
 */
type SensitiveState = 'ok' | 'denied' | 'missing' | 'invalid';

export type CacheRead =
  /** `document` lacks the sensitive keys unless `sensitive` is "ok"; `sensitiveProblem` says why. */
  | { state: 'ok'; document: Instance; sensitive: SensitiveState; sensitiveProblem: string | null }
  | { state: 'missing' }
  /** Present but not to be trusted: refetch. `reason` is one line for a warning. */
  | { state: 'invalid'; reason: string };

/** What the sensitive file holds: the values by dotted path, tied to one fetch of one instance. */
interface SensitiveFile {
  schema: typeof SCHEMA_VERSION;
  instance_id: string;
  fetched_at: string;
  values: Record<string, unknown>;
}

/** Indented for people when small; compact when large, since indenting deep JSON multiplies its size. */
function json(value: unknown): string {
  const compact = JSON.stringify(value);
  return `${compact.length <= PRETTY_LIMIT ? JSON.stringify(value, null, 2) : compact}\n`;
}

/** Creates the cache directory (0755) when it is missing; an existing one is left as it is. */
async function ensureDirectory(dir: string): Promise<void> {
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o755 });
    if (created !== undefined) await chmod(dir, 0o755);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new MdctlError(code === 'EACCES' || code === 'EPERM' ? 'ERR_PERMISSION' : 'ERR_IO', `cannot create the cache directory ${quote(dir)}: ${code}`, {
      cause: error,
      hint: code === 'EACCES' ? 'run as root, or choose another --cache-dir' : undefined,
    });
  }
}

/**
 * Writes the document to the cache atomically: the sensitive file first, then the public one,
 * each through a temp file in the same directory (fsync, rename, fsync of the directory). A
 * symlink in place of either file is refused (ERR_UNSAFE_PATH). Returns the paths written.
 */
export async function writeCache(dir: string, document: Instance): Promise<string[]> {
  await ensureDirectory(dir);
  const { public: publicDocument, values } = splitSensitive(document);
  const sensitive: SensitiveFile = {
    schema: SCHEMA_VERSION,
    instance_id: document.instance_id,
    fetched_at: document.source.fetched_at,
    values,
  };
  const files = { sensitive: json(sensitive), public: json(publicDocument) };
  for (const text of Object.values(files)) {
    // What is written can always be read back; a document this large is refused whole, nothing written.
    if (Buffer.byteLength(text) > MAX_CACHE_BYTES) {
      throw new MdctlError('ERR_INVALID_METADATA', `the instance document is ${Buffer.byteLength(text)} bytes as JSON, over ${MAX_CACHE_BYTES / 1024 / 1024} MiB; not cached`);
    }
  }
  await writeFileAtomic(dir, SENSITIVE_FILE, files.sensitive, { mode: 0o600 });
  await writeFileAtomic(dir, CACHE_FILE, files.public, { mode: 0o644 });
  return [join(dir, CACHE_FILE), join(dir, SENSITIVE_FILE)];
}

type Loaded = { state: 'ok'; value: unknown } | { state: 'missing' } | { state: 'denied'; reason: string } | { state: 'invalid'; reason: string };

/**
 * Why a cache file (or the directory, `name` '') cannot be trusted, or null: another user could
 * have written it (an owner other than root or us, group or other write without the sticky
 * bit), or, for the sensitive file, others could have read it.
 */
function trustProblem(info: Stats, name: string): string | null {
  const euid = process.geteuid?.() ?? 0;
  if (info.uid !== 0 && info.uid !== euid) return `owned by uid ${info.uid}, neither root nor this user`;
  const sticky = info.isDirectory() && (info.mode & 0o1000) !== 0;
  if ((info.mode & 0o022) !== 0 && !sticky) return `writable by ${(info.mode & 0o002) !== 0 ? 'others' : 'its group'}`;
  if (name === SENSITIVE_FILE && (info.mode & 0o044) !== 0) return 'readable by others than its owner';
  return null;
}

/** Reads and parses one cache file without following a symlink; a file others could have changed is not trusted. */
async function load(dir: string, name: string): Promise<Loaded> {
  const path = join(dir, name);
  let bytes: Buffer | null;
  try {
    const info = await inspectUnder(dir, name);
    if (info === null) return { state: 'missing' };
    const directory = await inspectUnder(dir, '');
    const directoryProblem = directory === null ? null : trustProblem(directory, '');
    if (directoryProblem !== null) return { state: 'invalid', reason: `${quote(dir)}: ${directoryProblem}` };
    const fileProblem = trustProblem(info, name);
    if (fileProblem !== null) return { state: 'invalid', reason: `${quote(path)}: ${fileProblem}` };
    bytes = await readFileUnder(dir, name, MAX_CACHE_BYTES);
  } catch (error) {
    if (!isMdctlError(error)) throw error;
    if ((error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return { state: 'missing' };
    if (error.code === 'ERR_PERMISSION') return { state: 'denied', reason: `cannot read ${quote(path)}: permission denied` };
    return { state: 'invalid', reason: error.message };
  }
  if (bytes === null) return { state: 'missing' };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return { state: 'invalid', reason: `${quote(path)}: not valid JSON` };
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) return { state: 'invalid', reason: `${quote(path)}: nested more than ${MAX_JSON_DEPTH} levels` };
  return { state: 'ok', value };
}

function schemaProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  if (value.schema === undefined) return 'no schema';
  if (value.schema !== SCHEMA_VERSION) {
    const schema = typeof value.schema === 'number' ? String(value.schema) : quote(value.schema);
    return `schema ${schema} is not supported (this mdctl reads schema ${SCHEMA_VERSION})`;
  }
  return null;
}

/** The sensitive values when the file belongs to the same fetch as `document`, else why not. */
function sensitiveValues(
  loaded: Loaded,
  document: Instance,
  path: string,
): { values: Record<string, unknown> } | { state: SensitiveState; problem: string } {
  if (loaded.state === 'missing') return { state: 'missing', problem: `${quote(path)} is missing` };
  if (loaded.state !== 'ok') return { state: loaded.state, problem: loaded.reason };
  const file = loaded.value;
  const invalid = (why: string) => ({ state: 'invalid' as const, problem: `${quote(path)}: ${why}` });
  const schema = schemaProblem(file);
  if (schema !== null) return invalid(schema);
  if (!isObject(file) || !isObject(file.values)) return invalid('no values');
  if (file.instance_id !== document.instance_id || file.fetched_at !== document.source.fetched_at) {
    return invalid(`written by another fetch than ${CACHE_FILE}`);
  }
  return { values: file.values };
}

/**
 * Reads the cache. A missing instance.json is `missing`; an unreadable, corrupt, symlinked,
 * unknown-schema or wrongly typed one is `invalid` with a reason (never trusted: refetch). The
 * sensitive keys are merged in when instance-sensitive.json is readable and belongs to the same
 * fetch; otherwise the document comes without them and `sensitive` says why.
 */
export async function readCache(dir: string): Promise<CacheRead> {
  const path = join(dir, CACHE_FILE);
  const loaded = await load(dir, CACHE_FILE);
  if (loaded.state === 'missing') return loaded;
  if (loaded.state !== 'ok') return { state: 'invalid', reason: loaded.reason };
  const problem = schemaProblem(loaded.value) ?? instanceProblem(loaded.value, false);
  if (problem !== null) return { state: 'invalid', reason: `${quote(path)}: ${problem}` };
  if (Object.keys(splitSensitive(loaded.value as object).values).length > 0) {
    return { state: 'invalid', reason: `${quote(path)}: holds sensitive keys` };
  }
  const publicDocument = loaded.value as Instance;
  const sensitivePath = join(dir, SENSITIVE_FILE);
  const found = sensitiveValues(await load(dir, SENSITIVE_FILE), publicDocument, sensitivePath);
  if ('state' in found) return { state: 'ok', document: publicDocument, sensitive: found.state, sensitiveProblem: found.problem };
  const merged = mergeSensitive(publicDocument, found.values);
  const mergedProblem = instanceProblem(merged, true);
  if (mergedProblem !== null) {
    return { state: 'ok', document: publicDocument, sensitive: 'invalid', sensitiveProblem: `${quote(sensitivePath)}: ${mergedProblem}` };
  }
  return { state: 'ok', document: merged as unknown as Instance, sensitive: 'ok', sensitiveProblem: null };
}

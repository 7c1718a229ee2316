// The local stage's source (`boot --local`): the config drive only, cached with a mark so the later `boot` of the same boot reuses it.
import { readCache } from '../cache/cache.js';
import { Deadline } from '../core/deadline.js';
import type { Instance } from '../core/instance.js';
import { readBootId } from '../system/boot-id.js';
import { readFileUnder, writeFileAtomic } from '../system/files.js';
import { MdctlError, quote } from '../core/errors.js';
import { readConfigDrive } from './configdrive.js';
import { finishFetch, selectOptions, type FetchRequest, type FetchResult } from './fetch.js';
import { parseSourceSpec, probeDrive } from './select.js';

/** The mark in the cache dir: which boot's local stage wrote the cache, from which drive, for which instance. */
export const LOCAL_MARK = 'local-stage.json';
const MAX_MARK_BYTES = 64 * 1024;

interface LocalMark {
  boot_id: string;
  instance_id: string;
  fetched_at: string;
  device: string;
}

export interface LocalRequest extends FetchRequest {
  /** The kernel's boot id file (tests may point elsewhere). */
  bootIdPath?: string;
}

/**
 * Reads the config drive (never the network), normalises and caches it, and marks the cache as
 * the local stage's. Null when no drive is usable (none, or one skipped with a warning).
 */
export async function fetchLocal(request: LocalRequest): Promise<FetchResult | null> {
  const started = performance.now();
  const spec = parseSourceSpec(request.source);
  if (spec.kind !== 'auto' && spec.kind !== 'configdrive') {
    throw new MdctlError('ERR_USAGE', `--source ${quote(request.source)}: the local stage reads only the config drive (auto or configdrive[:DIR])`);
  }
  const options = selectOptions(request, new Deadline(request.timeoutMs));
  let raw;
  if (spec.kind === 'configdrive' && spec.dir !== null) {
    raw = await readConfigDrive(spec.dir, options.log);
  } else {
    const drive = await probeDrive({ spec, ...options });
    if (drive.kind === 'skipped') (request.warn ?? options.log)(drive.reason);
    if (drive.kind !== 'read') return null;
    raw = drive.raw;
  }
  const result = await finishFetch(request, raw, started);
  const bootId = await readBootId(request.bootIdPath);
  if (result.summary.cache.length > 0 && bootId !== null) {
    const { instance } = result;
    const mark: LocalMark = { boot_id: bootId, instance_id: instance.instance_id, fetched_at: instance.source.fetched_at, device: instance.source.endpoint };
    await writeFileAtomic(request.cacheDir, LOCAL_MARK, `${JSON.stringify(mark, null, 2)}\n`, { mode: 0o644 });
  }
  return result;
}

/** Whether `boot` with these options may take the local stage's cache: not when told to use the network or a directory. */
export function mayReuseLocalStage(request: Pick<FetchRequest, 'source' | 'endpoint'>): boolean {
  return (request.endpoint === undefined || request.endpoint === '') && (request.source === 'auto' || request.source === 'configdrive');
}

function isMark(value: unknown): value is LocalMark {
  const mark = value as Partial<Record<keyof LocalMark, unknown>> | null;
  return typeof mark === 'object' && mark !== null && ['boot_id', 'instance_id', 'fetched_at', 'device'].every((key) => typeof mark[key as keyof LocalMark] === 'string');
}

/**
 * The document the local stage of this very boot cached from the config drive, or null: no mark,
 * another boot's mark, or a cache that has since been written by another fetch (another instance).
 */
export async function localStageDocument(cacheDir: string, bootIdPath?: string): Promise<Instance | null> {
  const bytes = await readFileUnder(cacheDir, LOCAL_MARK, MAX_MARK_BYTES).catch(() => null);
  if (bytes === null) return null;
  let mark: unknown;
  try {
    mark = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const bootId = await readBootId(bootIdPath);
  if (!isMark(mark) || bootId === null || mark.boot_id !== bootId) return null;
  const cached = await readCache(cacheDir);
  if (cached.state !== 'ok' || cached.sensitive !== 'ok') return null;
  const { document } = cached;
  const same = document.source.kind === 'configdrive' && document.instance_id === mark.instance_id && document.source.fetched_at === mark.fetched_at;
  return same ? document : null;
}

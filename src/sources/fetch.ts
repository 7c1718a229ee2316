// The fetch sequence every command shares: options -> deadline -> source -> raw -> normalise -> cache.
import { writeCache } from '../cache/cache.js';
import { Deadline } from '../core/deadline.js';
import { isMdctlError } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import type { StepObserver } from '../core/timeline.js';
import { normalize } from '../model/normalize.js';
import type { RawMetadata } from '../core/raw.js';
import { DEFAULT_DRIVE_FILESYSTEMS } from './drive-mount.js';
import { parseSourceSpec, readMetadata, type ClientFactory, type SelectOptions } from './select.js';

export interface FetchRequest {
  /** --endpoint: skips route discovery (and the config drive probe of `--source auto`). */
  endpoint?: string | undefined;
  /** --source: auto, openstack, ec2, configdrive[:DIR]. */
  source: string;
  cacheDir: string;
  /** The overall deadline in milliseconds (see parseTimeout). */
  timeoutMs: number;
  /** Root of /proc, /sys and /dev for route discovery and the config drive (default /). */
  root?: string;
  /** Debug log lines. */
  log?: (message: string) => void;
  /**
   * What to do with the cache: `write` it (the default; a failure is an error), write it on a
   * `best-effort` basis (a permission failure becomes a warning: `get` as a plain user), or
   * `skip` it (`--dry-run` changes nothing).
   */
  cache?: 'write' | 'best-effort' | 'skip';
  /** Non-fatal problems (a best-effort cache write that failed, a config drive skipped). */
  warn?: (message: string) => void;
  /** Hears route discovery, every HTTP exchange and normalising (the boot report). */
  observe?: StepObserver;
  /** The config file, read only when a config drive must be mounted (for config_drive.filesystems). */
  config?: string | undefined;
  /** Test seams of the config drive (blkid, mount). */
  driveSeams?: SelectOptions['driveSeams'];
}

export interface FetchSummary {
  kind: Instance['source']['kind'];
  endpoint: string;
  version: string;
  files: string[];
  instance_id: string;
  hostname: string | null;
  /** The cache files written. */
  cache: string[];
  elapsed_ms: number;
}

export interface FetchResult {
  instance: Instance;
  summary: FetchSummary;
}

async function candidateBases(endpoint: string | undefined, root: string): Promise<string[]> {
  const { candidates } = await import('../net/endpoints.js');
  if (endpoint !== undefined && endpoint !== '') return candidates({ ipv4: null, ipv6: [] }, endpoint).map((c) => c.base);
  const { readRoutes } = await import('../net/route.js');
  return candidates(await readRoutes(root)).map((c) => c.base);
}

/** The candidates, with the route step told to the observer. */
async function observedCandidates(request: FetchRequest, root: string): Promise<string[]> {
  const started = Date.now();
  const bases = await candidateBases(request.endpoint, root);
  const endpointGiven = request.endpoint !== undefined && request.endpoint !== '';
  request.observe?.({ step: 'route', at: new Date(started).toISOString(), ms: Date.now() - started, candidates: bases, endpoint_given: endpointGiven });
  return bases;
}

/** got is loaded only when the network is used (never for a config drive). */
async function loadClientFactory(): Promise<ClientFactory> {
  const { createClient } = await import('../net/http.js');
  return createClient;
}

async function storeCache(request: FetchRequest, instance: Instance): Promise<string[]> {
  if (request.cache === 'skip') return [];
  try {
    return await writeCache(request.cacheDir, instance);
  } catch (error) {
    if (request.cache !== 'best-effort' || !isMdctlError(error) || error.code !== 'ERR_PERMISSION') throw error;
    request.warn?.(`metadata not cached: ${error.message}`);
    return [];
  }
}

/** The allow-list of file systems a config drive may be mounted with: the config file's, else iso9660 and vfat. */
async function driveFilesystems(config: string | undefined): Promise<readonly string[]> {
  if (config === undefined) return DEFAULT_DRIVE_FILESYSTEMS;
  const { loadConfig } = await import('../config/config.js');
  return (await loadConfig(config)).config_drive?.filesystems ?? DEFAULT_DRIVE_FILESYSTEMS;
}

/** What readMetadata needs besides the source spec, from a fetch request. */
export function selectOptions(request: FetchRequest, deadline: Deadline): Omit<SelectOptions, 'spec'> {
  const root = request.root ?? '/';
  return {
    candidates: () => observedCandidates(request, root),
    clientFactory: loadClientFactory,
    deadline,
    root,
    probeConfigDrive: request.endpoint === undefined || request.endpoint === '',
    driveFilesystems: () => driveFilesystems(request.config),
    driveSeams: request.driveSeams,
    log: request.log ?? (() => {}),
    warn: request.warn,
    observe: request.observe,
  };
}

/** Discover, crawl, normalise and cache. Throws MdctlError; never prints. */
export async function fetchInstance(request: FetchRequest): Promise<FetchResult> {
  const started = performance.now();
  const deadline = new Deadline(request.timeoutMs);
  const raw = await readMetadata({ spec: parseSourceSpec(request.source), ...selectOptions(request, deadline) });
  return finishFetch(request, raw, started);
}

/** Normalise what was read and cache it: the end of every fetch. */
export async function finishFetch(request: FetchRequest, raw: RawMetadata, started: number): Promise<FetchResult> {
  const normalising = Date.now();
  const instance = normalize(raw, new Date(normalising));
  request.observe?.({ step: 'normalise', at: new Date(normalising).toISOString(), ms: Date.now() - normalising, instance_id: instance.instance_id });
  for (const problem of instance.problems ?? []) request.warn?.(`${problem.reason}; that part of the document is null, and the appliers that need it fail`);
  const cache = await storeCache(request, instance);
  return {
    instance,
    summary: {
      kind: instance.source.kind,
      endpoint: instance.source.endpoint,
      version: instance.source.version,
      files: instance.source.files,
      instance_id: instance.instance_id,
      hostname: instance.hostname,
      cache,
      elapsed_ms: Math.round(performance.now() - started),
    },
  };
}

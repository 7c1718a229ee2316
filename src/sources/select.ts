// Chooses where metadata comes from: a config drive, or the first network candidate to answer GET /openstack.
import type { Deadline } from '../core/deadline.js';
import { Exit, MdctlError, isMdctlError, quote } from '../core/errors.js';
import type { RawMetadata } from '../core/raw.js';
import type { StepObserver } from '../core/timeline.js';
import type { ClientOptions, HttpResponse, MetadataClient } from '../net/types.js';
import { readConfigDrive } from './configdrive.js';
import type { DriveOptions, DriveRead } from './drive.js';
import { DEFAULT_DRIVE_FILESYSTEMS } from './drive-mount.js';
import { crawlEc2 } from './ec2.js';
import { INDEX_PATH, crawlOpenStack } from './openstack.js';

export type SourceSpec =
  | { kind: 'auto' }
  | { kind: 'openstack' }
  | { kind: 'ec2' }
  | { kind: 'configdrive'; dir: string | null };

export function parseSourceSpec(text: string): SourceSpec {
  if (text === 'auto' || text === 'openstack' || text === 'ec2') return { kind: text };
  if (text === 'configdrive') return { kind: 'configdrive', dir: null };
  if (text.startsWith('configdrive:') && text.length > 'configdrive:'.length) {
    return { kind: 'configdrive', dir: text.slice('configdrive:'.length) };
  }
  throw new MdctlError('ERR_USAGE', `--source ${quote(text)}: not one of auto, openstack, ec2, configdrive[:DIR]`);
}

export type ClientFactory = (base: string, options: ClientOptions) => MetadataClient;

export interface SelectOptions {
  spec: SourceSpec;
  /** Base URLs to race (the IPv4 route, each IPv6 zone, or --endpoint); computed only when needed. */
  candidates: () => Promise<string[]>;
  /** Loads the HTTP client only when the network is used. */
  clientFactory: () => Promise<ClientFactory>;
  deadline: Deadline;
  /** Root of /dev and /proc where the config drive is looked for: the running system's `/`, never `--root` (tests pass a temp dir). */
  root: string;
  /** Look for a config-2 drive before the network (auto without --endpoint). */
  probeConfigDrive: boolean;
  /** The file systems a drive may be mounted with (default iso9660, vfat); asked only when a drive must be mounted. */
  driveFilesystems?: () => Promise<readonly string[]>;
  /** Test seams of the config drive: blkid, mount, the mount directory's parent, the right to mount. */
  driveSeams?: Pick<DriveOptions, 'exec' | 'mounter' | 'mountParent' | 'privileged'>;
  log: (message: string) => void;
  /** Hears every HTTP exchange (the boot report). */
  observe?: StepObserver;
  /** Warnings (a drive skipped, several drives); debug log lines when absent. */
  warn?: (message: string) => void;
}

interface Winner {
  client: MetadataClient;
  index: HttpResponse;
}

/** Read the raw metadata from wherever the options say, or the first place that answers. */
export async function readMetadata(options: SelectOptions): Promise<RawMetadata> {
  const { spec, log } = options;
  if (spec.kind === 'configdrive') {
    if (spec.dir !== null) return readConfigDrive(spec.dir, log);
    const drive = await probeDrive(options);
    if (drive.kind === 'read') return drive.raw;
    if (drive.kind === 'skipped') throw new MdctlError(drive.code, drive.reason, { hint: drive.hint });
    throw new MdctlError('ERR_UNREACHABLE', 'config drive: no drive labelled config-2 or CONFIG-2');
  }
  if (spec.kind === 'auto' && options.probeConfigDrive) {
    const drive = await probeDrive(options);
    if (drive.kind === 'read') {
      log(`using the config drive ${drive.raw.endpoint}`);
      return drive.raw;
    }
    if (drive.kind === 'skipped') (options.warn ?? log)(`${drive.reason}; trying the metadata service`);
  }
  const candidates = await options.candidates();
  const { client, index } = await race(candidates, { ...options, createClient: await options.clientFactory() });
  try {
    if (spec.kind === 'ec2' || (spec.kind === 'auto' && (index.status === 404 || index.status === 401))) {
      log(`GET ${INDEX_PATH} answered ${index.status}: reading the EC2 tree`);
      return await crawlEc2(client, log, spec.kind === 'auto' && index.status === 404);
    }
    return await crawlOpenStack(client, index, log);
  } finally {
    client.close();
  }
}

/**
 * The config drive on the running system, found and read as the options say. Loaded only here:
 * finding and mounting a drive runs programs, which a fetch over the network never does.
 */
export async function probeDrive(options: SelectOptions): Promise<DriveRead> {
  const { readDrive } = await import('./drive.js');
  return readDrive({
    root: options.root,
    filesystems: options.driveFilesystems ?? (() => Promise.resolve(DEFAULT_DRIVE_FILESYSTEMS)),
    deadline: options.deadline,
    log: options.log,
    warn: options.warn ?? options.log,
    ...options.driveSeams,
  });
}

/**
 * One client per candidate, each GETs /openstack (retrying inside the deadline); the first
 * to answer with a final HTTP status wins, the others are closed.
 */
async function race(
  candidates: readonly string[],
  options: Pick<SelectOptions, 'deadline' | 'log' | 'observe'> & { createClient: ClientFactory },
): Promise<Winner> {
  if (candidates.length === 0) {
    throw new MdctlError('ERR_NO_ROUTE', 'metadata service: no candidate address (no route to 169.254.169.254 and no IPv6 link-local interface)', {
      hint: 'check `mdctl route`, or give --endpoint URL',
    });
  }
  const clients = candidates.map((base) => options.createClient(base, { deadline: options.deadline, log: options.log, observe: options.observe }));
  const attempts = clients.map(async (client): Promise<Winner> => {
    const index = await client.request(INDEX_PATH);
    if (index.status >= 500) throw new MdctlError('ERR_UNREACHABLE', `GET ${quote(`${client.base}${INDEX_PATH}`)}: the service answered ${index.status}`);
    return { client, index };
  });
  try {
    const winner = await Promise.any(attempts);
    options.log(`${winner.client.base} answered GET ${INDEX_PATH} with ${winner.index.status}`);
    for (const client of clients) if (client !== winner.client) client.close();
    return winner;
  } catch (error) {
    for (const client of clients) client.close();
    throw raceFailure(candidates, error instanceof AggregateError ? error.errors : [error]);
  }
}

/** One candidate: its own error. Several: a refusal if one was refused, else "unreachable" naming them all. */
function raceFailure(candidates: readonly string[], errors: readonly unknown[]): unknown {
  if (errors.length === 1) {
    const [error] = errors;
    if (!isMdctlError(error) || error.exitStatus !== Exit.UNREACHABLE) return error;
    return new MdctlError(error.code, `metadata service ${quote(candidates[0])}: ${error.message}`, { hint: error.hint, cause: error });
  }
  const refusal = errors.find((error) => isMdctlError(error) && error.exitStatus !== Exit.UNREACHABLE);
  if (refusal !== undefined) return refusal;
  const first = errors[0];
  const why = first instanceof Error ? first.message : String(first);
  return new MdctlError('ERR_UNREACHABLE', `metadata service: no answer from ${candidates.map((c) => quote(c)).join(', ')} (${why})`, {
    cause: first,
  });
}

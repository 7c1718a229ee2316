// Crawls the EC2-compatible tree (/latest/meta-data/, /latest/user-data), with an IMDSv2 token when offered.
import { MdctlError, quote } from '../core/errors.js';
import type { RawMetadata } from '../core/raw.js';
import type { HttpResponse, MetadataClient } from '../net/types.js';
import { judge, listingBody } from './status.js';
import { parseListing } from './versions.js';

const EC2_VERSION = 'latest';
const ROOT = `/${EC2_VERSION}`;
const TOKEN_PATH = `${ROOT}/api/token`;
const TOKEN_TTL_HEADER = 'X-aws-ec2-metadata-token-ttl-seconds';
const TOKEN_HEADER = 'X-aws-ec2-metadata-token';
const TOKEN_TTL_SECONDS = '300';
/** A hostile tree must not make the crawl endless. */
const MAX_DEPTH = 6;
const MAX_ENTRIES = 256;
/** Requests one crawl may make in all (AWS's own tree has a few hundred paths), and at once. */
export const MAX_EC2_REQUESTS = 1000;
/**
 * Bytes of answers one crawl may read in all (AWS's own tree is tens of KiB, user-data at most
 * 64 KiB): each answer is capped at 1 MiB, and a tree of many 1 MiB leaves is refused past this.
 */
export const MAX_EC2_BYTES = 4 * 1024 * 1024;
const CONCURRENCY = 8;
/** A sane entry name: no path separators but a trailing one, no dot-dot, no control characters. */
const ENTRY = /^[A-Za-z0-9][A-Za-z0-9._:-]*\/?$/;
/** The public-keys listing names key N as "N=<name>": read from N/, kept under the listed name. */
const INDEXED_KEY = /^(\d+)=(.*)$/s;

type Ec2Tree = { [name: string]: string | Ec2Tree };

interface Walk {
  client: MetadataClient;
  headers: Record<string, string>;
  files: string[];
  log: (message: string) => void;
  /** Requests made so far, against MAX_EC2_REQUESTS. */
  requests: number;
  /** Bytes of answers read so far, against MAX_EC2_BYTES. */
  bytes: number;
  slots: Slots;
}

/** At most `size` tasks running at once; the others wait their turn in order. */
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.size) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.active -= 1;
      else next();
    }
  }
}

/**
 * Ask for an IMDSv2 session token. 403/404/405/501 (and any other refusal) mean the service
 * does not offer one (Nova answers 404 or 405, other services 501): carry on without.
 */
async function requestToken(client: MetadataClient, log: (message: string) => void): Promise<string | null> {
  const response = await client.request(TOKEN_PATH, { method: 'PUT', headers: { [TOKEN_TTL_HEADER]: TOKEN_TTL_SECONDS } });
  const token = response.body.toString('utf8').trim();
  if (response.status === 200 && /^[\x21-\x7e]{1,1024}$/.test(token)) {
    log('using an IMDSv2 session token');
    return token;
  }
  log(`no IMDSv2 token (PUT ${TOKEN_PATH} answered ${response.status}); reading without one`);
  return null;
}

/** The hint when neither tree is there: the endpoint is some other web server, or a path too deep. */
const NOT_METADATA_HINT = "--endpoint must be the metadata service's base URL: http://169.254.169.254, or nova's metadata API at http://HOST:8775 with no path";

/**
 * Crawls the tree. `openstack404` says /openstack was 404 first (auto fell back here): when the
 * EC2 tree is missing too, the message names both, since then this is no metadata service at all.
 */
export async function crawlEc2(client: MetadataClient, log: (message: string) => void = () => {}, openstack404 = false): Promise<RawMetadata> {
  const token = await requestToken(client, log);
  const walk: Walk = {
    client,
    headers: token === null ? {} : { [TOKEN_HEADER]: token },
    files: [],
    log,
    requests: 0,
    bytes: 0,
    slots: new Slots(CONCURRENCY),
  };
  const [metaData, userData] = await Promise.all([readDirectory(walk, 'meta-data/', 0, true), readUserData(walk)]);
  if (metaData === null && openstack404) {
    throw new MdctlError('ERR_REJECTED', `not a metadata service: GET "/openstack" and GET ${quote(`${ROOT}/meta-data/`)} both answered 404`, { hint: NOT_METADATA_HINT });
  }
  if (metaData === null) throw new MdctlError('ERR_REJECTED', `GET ${quote(`${ROOT}/meta-data/`)}: 404 Not Found`, { hint: NOT_METADATA_HINT });
  return {
    kind: 'ec2',
    endpoint: client.base,
    version: EC2_VERSION,
    files: walk.files.sort(),
    ec2: { 'meta-data': metaData, user_data: userData },
  };
}

async function get(walk: Walk, relative: string, optional: boolean): Promise<HttpResponse | null> {
  const path = `${ROOT}/${relative}`;
  walk.requests += 1;
  if (walk.requests > MAX_EC2_REQUESTS) {
    throw new MdctlError('ERR_INVALID_METADATA', `GET ${quote(path)}: the EC2 tree has more than ${MAX_EC2_REQUESTS} paths`);
  }
  const response = await walk.slots.run(() => walk.client.request(path, { headers: walk.headers }));
  walk.bytes += response.body.length;
  if (walk.bytes > MAX_EC2_BYTES) {
    throw new MdctlError('ERR_BODY_TOO_LARGE', `GET ${quote(path)}: the EC2 tree holds more than ${MAX_EC2_BYTES / 1024 / 1024} MiB; refused`);
  }
  if (judge(response, path, optional) === 'absent') return null;
  walk.files.push(relative);
  return response;
}

async function readUserData(walk: Walk): Promise<Buffer | null> {
  return (await get(walk, 'user-data', true))?.body ?? null;
}

/** A directory listing, then every entry of it concurrently. null when the directory is 404. */
async function readDirectory(walk: Walk, relative: string, depth: number, optional: boolean): Promise<Ec2Tree | null> {
  const response = await get(walk, relative, optional);
  if (response === null) return null;
  const path = `${ROOT}/${relative}`;
  const entries = parseListing(listingBody(response, path));
  if (entries.length > MAX_ENTRIES) {
    throw new MdctlError('ERR_INVALID_METADATA', `GET ${quote(path)}: ${entries.length} entries, more than ${MAX_ENTRIES}`);
  }
  const tree: Ec2Tree = {};
  await Promise.all(entries.map((entry) => readEntry(walk, relative, entry, depth, tree)));
  return sortKeys(tree);
}

async function readEntry(walk: Walk, directory: string, entry: string, depth: number, tree: Ec2Tree): Promise<void> {
  const indexed = INDEXED_KEY.exec(entry);
  const name = indexed === null ? entry : `${indexed[1]!}/`;
  if (!ENTRY.test(name)) {
    walk.log(`skipping the unsafe entry ${quote(entry)} in ${directory}`);
    return;
  }
  if (!name.endsWith('/')) {
    const leaf = await get(walk, `${directory}${name}`, true);
    if (leaf !== null) tree[name] = leaf.body.toString('utf8');
    return;
  }
  if (depth + 1 >= MAX_DEPTH) {
    throw new MdctlError('ERR_INVALID_METADATA', `GET ${quote(`${ROOT}/${directory}${name}`)}: the tree is deeper than ${MAX_DEPTH}`);
  }
  const child = await readDirectory(walk, `${directory}${name}`, depth + 1, true);
  if (child !== null) tree[indexed === null ? name.slice(0, -1) : entry] = child;
}

function sortKeys(tree: Ec2Tree): Ec2Tree {
  return Object.fromEntries(Object.entries(tree).sort(([a], [b]) => a.localeCompare(b)));
}

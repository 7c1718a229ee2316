// `mdctl doctor`'s walk: route, IPv6 candidates, TCP, GET /, the index, the files; stops at the first hop that fails, then the local hops.
import type { CacheRead } from '../cache/cache.js';
import { loadConfig, type MdctlConfig } from '../config/config.js';
import { Deadline } from '../core/deadline.js';
import { candidates, parseBase } from '../net/endpoints.js';
import type { RouteReport } from '../net/route.js';
import type { ClientOptions, MetadataClient } from '../net/types.js';
import { INDEX_PATH } from '../sources/openstack.js';
import { EC2_INSTANCE_ID_PATH, EC2_LISTING_PATH, ec2FilesHop, ec2IndexHop, filesHop, httpHop, indexHop, type Fetched } from './http-hops.js';
import { configHop } from './config-hop.js';
import { cacheHop, proxyHop } from './local-hops.js';
import { ipv6Hop, routeHop } from './route-hops.js';
import { connectAll, tcpHop, type Connector } from './tcp.js';
import { PATH_HOPS, skip, type Hop } from './types.js';

/** A TCP connect gets this long at most: a healthy service answers within milliseconds. */
const CONNECT_TIMEOUT_MS = 2000;
const ATTEMPT_TIMEOUT_MS = 5000;

interface DoctorRequest {
  /** --endpoint: the route hops are skipped. */
  endpoint?: string | undefined;
  cacheDir: string;
  /** --config: read as the other commands read it; no config hop when absent. */
  configPath?: string;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
}

/** The I/O the walk does, injectable. */
interface DoctorParts {
  readRoutes: () => Promise<RouteReport>;
  connect?: Connector;
  /** Loaded only once a TCP connect succeeded. */
  clientFactory: () => Promise<(base: string, options: ClientOptions) => MetadataClient>;
  readCache: (dir: string) => Promise<CacheRead>;
  now: () => Date;
  /** Reads the config file (default: the one every command uses). */
  loadConfig?: (path: string) => Promise<MdctlConfig>;
}

async function get(client: MetadataClient, path: string): Promise<Fetched> {
  try {
    return { ok: true, response: await client.request(path, { retry: false }) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The HTTP hops through the base that connected; returns the instance id meta_data.json names, if it got that far. */
async function httpHops(client: MetadataClient, add: (hop: Hop) => boolean): Promise<string | null> {
  if (!add(httpHop(await get(client, '/')))) return null;
  const index = await get(client, INDEX_PATH);
  if (index.ok && index.response.status === 404) {
    if (!add(ec2IndexHop(await get(client, EC2_LISTING_PATH)))) return null;
    const ec2 = ec2FilesHop(await get(client, EC2_INSTANCE_ID_PATH));
    add(ec2.hop);
    return ec2.instanceId;
  }
  const { hop, version } = indexHop(index);
  if (!add(hop) || version === null) return null;
  const root = `${INDEX_PATH}/${version}`;
  const listing = await get(client, root);
  const meta = listing.ok && listing.response.status === 200 ? await get(client, `${root}/meta_data.json`) : null;
  const files = filesHop(listing, meta, version);
  add(files.hop);
  return files.instanceId;
}

export async function walk(request: DoctorRequest, parts: DoctorParts): Promise<Hop[]> {
  const hops: Hop[] = [];
  /** Records a hop; false once a hop has failed (the walk stops there). */
  const add = (hop: Hop): boolean => {
    hops.push(hop);
    return hop.status !== 'fail';
  };
  const deadline = new Deadline(request.timeoutMs);
  let instanceId: string | null = null;
  let bases: string[] = [];
  let going = true;
  if (request.endpoint !== undefined && request.endpoint !== '') {
    parseBase(request.endpoint);
    add(skip('route', '--endpoint given'));
    add(skip('ipv6', '--endpoint given'));
    bases = [request.endpoint];
  } else {
    const report = await parts.readRoutes();
    going = add(routeHop(report)) && add(ipv6Hop(report));
    if (going) bases = candidates(report).map((candidate) => candidate.base);
  }
  if (going) {
    const attempts = await connectAll(bases, Math.min(CONNECT_TIMEOUT_MS, Math.max(1, deadline.remaining())), parts.connect);
    going = add(tcpHop(attempts));
    const chosen = attempts.find((attempt) => attempt.error === null);
    if (going && chosen !== undefined) {
      request.log(`doctor: using ${chosen.base}`);
      const client = (await parts.clientFactory())(chosen.base, { deadline, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS, log: request.log });
      try {
        instanceId = await httpHops(client, add);
      } finally {
        client.close();
      }
    }
  }
  const reached = new Set(hops.map((hop) => hop.id));
  for (const id of PATH_HOPS) if (!reached.has(id)) hops.push(skip(id, 'an earlier hop failed'));
  if (request.configPath !== undefined) hops.push(await configHop(request.configPath, parts.loadConfig ?? loadConfig));
  hops.push(proxyHop(request.env));
  hops.push(cacheHop(request.cacheDir, await parts.readCache(request.cacheDir), parts.now(), instanceId));
  return hops;
}

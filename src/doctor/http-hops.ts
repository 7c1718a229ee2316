// The HTTP hops of `mdctl doctor` (GET /, the /openstack index, the chosen version's files), judged from the answers: pure.
import { Exit, exitStatusOf, isMdctlError, oneLine, quote } from '../core/errors.js';
import type { HttpResponse } from '../net/types.js';
import { INDEX_PATH } from '../sources/openstack.js';
import { judge, listingBody, parseJsonBody } from '../sources/status.js';
import { negotiateVersion, parseListing } from '../sources/versions.js';
import { fail, pass, type Hop, type HopId } from './types.js';

/** What one GET gave: a response of any status, or the error the client threw. */
export type Fetched = { ok: true; response: HttpResponse } | { ok: false; error: unknown };

/** The error's line, with its hint when it has one. */
function withHint(error: unknown): string {
  const hint = isMdctlError(error) && error.hint !== undefined ? ` (${oneLine(error.hint)})` : '';
  return `${oneLine(error)}${hint}`;
}

/** A thrown error as a failed hop: exit 4 errors are the network's, the rest the service's. */
function failed(id: HopId, error: unknown): Hop {
  return fail(id, exitStatusOf(error) === Exit.UNREACHABLE ? 'unreachable' : 'rejected', withHint(error));
}

/** GET / answered: any HTTP status below 500 shows HTTP works; 5xx is a service that is down. */
export function httpHop(got: Fetched): Hop {
  if (!got.ok) return failed('http', got.error);
  const { status, body } = got.response;
  if (status >= 500) return fail('http', 'unreachable', `GET / answered ${status}: the metadata service is failing (look at nova-api's metadata and neutron-metadata-agent logs)`);
  return pass('http', `GET / answered ${status} (${body.length} bytes)`);
}

const NOT_FOUND =
  'nova does not know an instance at this address (the request did not come through the Neutron proxy of this network, or the port is not the instance\'s), or the service serves only the EC2 tree';

/** GET /openstack: the version list, and the version mdctl would read. 400/403/404 are the proxy's or nova's refusal. */
export function indexHop(got: Fetched): { hop: Hop; version: string | null } {
  if (!got.ok) return { hop: failed('index', got.error), version: null };
  const { response } = got;
  if (response.status === 404) return { hop: fail('index', 'rejected', `GET ${INDEX_PATH} answered 404: ${NOT_FOUND}`), version: null };
  try {
    judge(response, INDEX_PATH, false);
    const versions = parseListing(listingBody(response, INDEX_PATH));
    const version = negotiateVersion(versions, `GET ${quote(INDEX_PATH)}`);
    const shown = versions.length > 3 ? `${versions[0] ?? ''} … ${versions.slice(-2).join(', ')}` : versions.join(', ');
    return { hop: pass('index', `${versions.length} versions (${shown}); mdctl reads ${version}`), version };
  } catch (error) {
    return { hop: failed('index', error), version: null };
  }
}

/** The EC2 tree's listing, asked for when /openstack is 404: fetch reads that tree then, so the index hop passes when it answers. */
export const EC2_LISTING_PATH = '/latest/meta-data/';
export const EC2_INSTANCE_ID_PATH = '/latest/meta-data/instance-id';

/** /openstack was 404: the EC2 tree answering makes a service `fetch` reads (the index hop passes); both 404 is no metadata service. */
export function ec2IndexHop(ec2: Fetched): Hop {
  if (!ec2.ok) return failed('index', ec2.error);
  if (ec2.response.status === 200) return pass('index', `GET ${INDEX_PATH} answered 404; the EC2 tree answers (GET ${EC2_LISTING_PATH} 200): mdctl reads that`);
  return fail(
    'index',
    'rejected',
    `GET ${INDEX_PATH} answered 404 and GET ${EC2_LISTING_PATH} ${ec2.response.status}: no metadata service answers at this base URL, or nova does not know an instance at this address (the request did not come through the Neutron proxy of this network)`,
  );
}

/** The EC2 tree names the instance. */
export function ec2FilesHop(got: Fetched): { hop: Hop; instanceId: string | null } {
  try {
    if (!got.ok) throw got.error;
    judge(got.response, EC2_INSTANCE_ID_PATH, false);
    const id = got.response.body.toString('utf8').trim();
    if (id === '') return { hop: fail('files', 'rejected', `GET ${EC2_INSTANCE_ID_PATH}: empty: not instance metadata`), instanceId: null };
    return { hop: pass('files', `EC2 tree; instance-id ${quote(id)}`), instanceId: id };
  } catch (error) {
    return { hop: failed('files', error), instanceId: null };
  }
}

/** The version's listing names meta_data.json, and meta_data.json parses with a uuid. */
export function filesHop(listing: Fetched, meta: Fetched | null, version: string): { hop: Hop; instanceId: string | null } {
  const root = `${INDEX_PATH}/${version}`;
  const metaPath = `${root}/meta_data.json`;
  try {
    if (!listing.ok) throw listing.error;
    judge(listing.response, root, false);
    const files = parseListing(listingBody(listing.response, root));
    if (!files.includes('meta_data.json')) return { hop: fail('files', 'rejected', `GET ${root}: the listing does not name meta_data.json`), instanceId: null };
    if (meta === null) return { hop: fail('files', 'rejected', `GET ${metaPath}: not requested`), instanceId: null };
    if (!meta.ok) throw meta.error;
    judge(meta.response, metaPath, false);
    const parsed = parseJsonBody(meta.response, metaPath) as Record<string, unknown> | null;
    const uuid = typeof parsed === 'object' && parsed !== null ? parsed.uuid : undefined;
    if (typeof uuid !== 'string' || uuid === '') {
      return { hop: fail('files', 'rejected', `GET ${metaPath}: no uuid: not instance metadata`), instanceId: null };
    }
    const hostname = typeof parsed?.hostname === 'string' ? `, hostname ${quote(parsed.hostname)}` : '';
    return { hop: pass('files', `${files.join(', ')}; meta_data.json: instance ${quote(uuid)}${hostname}`), instanceId: uuid };
  } catch (error) {
    return { hop: failed('files', error), instanceId: null };
  }
}

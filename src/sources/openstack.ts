// Crawls the OpenStack metadata tree: the version index already fetched, one listing, then the wanted files at once.
import { MdctlError, quote } from '../core/errors.js';
import type { Problem } from '../core/instance.js';
import type { RawMetadata, RawOpenStack } from '../core/raw.js';
import type { HttpResponse, MetadataClient } from '../net/types.js';
import { judge, listingBody, optionalJson, parseJsonBody } from './status.js';
import { WANTED_FILES, negotiateVersion, parseListing, type OpenStackFile } from './versions.js';

export const INDEX_PATH = '/openstack';

interface Fetched {
  file: OpenStackFile;
  response: HttpResponse | null;
}

/**
 * Read the OpenStack tree through `client`, given the response to GET /openstack the
 * race already made: 1 listing request and exactly 1 request per wanted file it names.
 */
export async function crawlOpenStack(
  client: MetadataClient,
  index: HttpResponse,
  log: (message: string) => void = () => {},
): Promise<RawMetadata> {
  judge(index, INDEX_PATH, false);
  const version = negotiateVersion(parseListing(listingBody(index, INDEX_PATH)), `GET ${quote(INDEX_PATH)}`);
  log(`OpenStack metadata version ${version}`);

  const root = `${INDEX_PATH}/${version}`;
  const listing = await client.request(root);
  judge(listing, root, false);
  const listed = new Set(parseListing(listingBody(listing, root)));
  if (!listed.has('meta_data.json')) {
    throw new MdctlError('ERR_INVALID_METADATA', `GET ${quote(root)}: the listing does not name meta_data.json`);
  }
  const wanted = WANTED_FILES.filter((file) => listed.has(file));
  log(`reading ${wanted.join(', ')}`);

  const fetched = await Promise.all(
    wanted.map(async (file): Promise<Fetched> => {
      const path = `${root}/${file}`;
      const response = await client.request(path);
      return { file, response: judge(response, path, file !== 'meta_data.json') === 'ok' ? response : null };
    }),
  );
  return {
    kind: 'openstack',
    endpoint: client.base,
    version,
    files: fetched.filter((item) => item.response !== null).map((item) => item.file),
    openstack: assemble(fetched, root),
  };
}

function assemble(fetched: readonly Fetched[], root: string): RawOpenStack {
  const body = (file: OpenStackFile): HttpResponse | null => fetched.find((item) => item.file === file)?.response ?? null;
  const json = (file: OpenStackFile): unknown => {
    const response = body(file);
    return response === null ? undefined : parseJsonBody(response, `${root}/${file}`);
  };
  const problems: Problem[] = [];
  const optional = (file: OpenStackFile): unknown => optionalJson(file, () => json(file), problems);
  return {
    meta_data: json('meta_data.json'),
    network_data: optional('network_data.json'),
    vendor_data: optional('vendor_data.json'),
    vendor_data2: optional('vendor_data2.json'),
    user_data: body('user_data')?.body ?? null,
    ...(problems.length === 0 ? {} : { problems }),
  };
}

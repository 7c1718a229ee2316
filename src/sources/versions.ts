// The OpenStack metadata versions mdctl knows, what each one adds, and version negotiation.
import { MdctlError, quote } from '../core/errors.js';

export type OpenStackFile =
  | 'meta_data.json'
  | 'user_data'
  | 'password'
  | 'vendor_data.json'
  | 'network_data.json'
  | 'vendor_data2.json';

interface VersionInfo {
  version: string;
  /** Files this version adds to the version directory. */
  files: readonly OpenStackFile[];
  /** Top-level meta_data.json keys this version adds. */
  metaDataKeys: readonly string[];
  /** What else changed, for the README and `validate`. */
  note: string;
}

/** Oldest first. `user_data` exists at every version, but only when the instance has some. */
export const OPENSTACK_VERSIONS: readonly VersionInfo[] = [
  {
    version: '2012-08-10',
    files: ['meta_data.json', 'user_data'],
    metaDataKeys: ['uuid', 'name', 'hostname', 'launch_index', 'availability_zone', 'public_keys', 'keys', 'meta', 'files'],
    note: 'Folsom: the first OpenStack tree',
  },
  { version: '2013-04-04', files: ['password'], metaDataKeys: ['random_seed'], note: 'Grizzly: password and random_seed' },
  { version: '2013-10-17', files: ['vendor_data.json'], metaDataKeys: [], note: 'Havana: vendor data' },
  { version: '2015-10-15', files: ['network_data.json'], metaDataKeys: ['project_id'], note: 'Liberty: network data' },
  { version: '2016-06-30', files: [], metaDataKeys: ['devices'], note: 'Newton: device role tags' },
  { version: '2016-10-06', files: ['vendor_data2.json'], metaDataKeys: [], note: 'Newton: dynamic vendor data' },
  { version: '2017-02-22', files: [], metaDataKeys: [], note: 'Ocata: vlan in devices' },
  { version: '2018-08-27', files: [], metaDataKeys: [], note: 'Rocky: vf_trusted in devices' },
  { version: '2020-10-14', files: [], metaDataKeys: ['dedicated_cpus'], note: 'Victoria: dedicated CPUs' },
  { version: '2025-04-04', files: [], metaDataKeys: [], note: 'Epoxy' },
];

/** The pseudo-version every service also lists; it names the service's newest tree. */
export const LATEST = 'latest';

/** Files mdctl reads when they exist. `password` is never read: it is sensitive and not needed. */
export const WANTED_FILES: readonly OpenStackFile[] = [
  'meta_data.json',
  'network_data.json',
  'vendor_data.json',
  'vendor_data2.json',
  'user_data',
];

const INDEX = new Map(OPENSTACK_VERSIONS.map((info, position) => [info.version, position]));

/** Versions up to and including `version` (all of them for `latest`). */
function upTo(version: string): readonly VersionInfo[] {
  if (version === LATEST) return OPENSTACK_VERSIONS;
  const position = INDEX.get(version);
  if (position === undefined) throw new MdctlError('ERR_INVALID_METADATA', `OpenStack version ${quote(version)}: not a version mdctl knows`);
  return OPENSTACK_VERSIONS.slice(0, position + 1);
}

/** Every file that can exist at a version, oldest first. */
export function filesAt(version: string): OpenStackFile[] {
  return upTo(version).flatMap((info) => info.files);
}

/** Every top-level meta_data.json key a version can carry. */
export function metaDataKeysAt(version: string): string[] {
  return upTo(version).flatMap((info) => info.metaDataKeys);
}

/** The entries of a plain-text listing: one per line, blank lines dropped. */
export function parseListing(body: string): string[] {
  return body
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * Choose the version to read from the entries of a version index: the newest version
 * mdctl knows; `latest` only when none is listed. Unknown versions and junk are ignored.
 */
export function negotiateVersion(entries: readonly string[], where: string): string {
  let best = -1;
  for (const entry of entries) {
    const position = INDEX.get(entry);
    if (position !== undefined && position > best) best = position;
  }
  if (best >= 0) return OPENSTACK_VERSIONS[best]!.version;
  if (entries.includes(LATEST)) return LATEST;
  throw new MdctlError(
    'ERR_INVALID_METADATA',
    `${where}: no OpenStack version mdctl knows is listed (got ${quote(entries.slice(0, 5).join(' '))})`,
  );
}

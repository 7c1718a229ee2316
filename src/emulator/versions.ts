// The metadata API versions Nova serves and what each one adds (nova/api/metadata/base.py).

/** EC2-compatible versions, oldest first; `latest` is the last. */
export const EC2_VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
] as const;
export type Ec2Version = (typeof EC2_VERSIONS)[number];

/** OpenStack versions, oldest first, named as in Nova after the release that added them. */
const FOLSOM = '2012-08-10';
export const GRIZZLY = '2013-04-04';
export const HAVANA = '2013-10-17';
const LIBERTY = '2015-10-15';
const NEWTON_ONE = '2016-06-30';
export const NEWTON_TWO = '2016-10-06';
const OCATA = '2017-02-22';
const ROCKY = '2018-08-27';
const VICTORIA = '2020-10-14';
export const EPOXY = '2025-04-04';

export const OPENSTACK_VERSIONS = [
  FOLSOM,
  GRIZZLY,
  HAVANA,
  LIBERTY,
  NEWTON_ONE,
  NEWTON_TWO,
  OCATA,
  ROCKY,
  VICTORIA,
  EPOXY,
] as const;
export type OpenStackVersion = (typeof OPENSTACK_VERSIONS)[number];

export function isEc2Version(value: string): value is Ec2Version {
  return (EC2_VERSIONS as readonly string[]).includes(value);
}

export function isOpenStackVersion(value: string): value is OpenStackVersion {
  return (OPENSTACK_VERSIONS as readonly string[]).includes(value);
}

/** Whether `version` is `required` or newer. Dates compare as strings. */
export function since(required: OpenStackVersion, version: OpenStackVersion): boolean {
  return version >= required;
}

/** Same for EC2 versions ('1.0' sorts before every date). */
export function ec2Since(required: Ec2Version, version: Ec2Version): boolean {
  return EC2_VERSIONS.indexOf(version) >= EC2_VERSIONS.indexOf(required);
}

/**
 * The files of /openstack/<version>/ in Nova's listing order, and the version that added each.
 * user_data is listed only when the instance has user data.
 */
export const OPENSTACK_FILES = [
  { name: 'meta_data.json', since: FOLSOM },
  { name: 'user_data', since: FOLSOM },
  { name: 'password', since: GRIZZLY },
  { name: 'vendor_data.json', since: HAVANA },
  { name: 'network_data.json', since: LIBERTY },
  { name: 'vendor_data2.json', since: NEWTON_TWO },
] as const satisfies readonly { name: string; since: OpenStackVersion }[];

/**
 * Keys meta_data.json gains by version (every version has uuid, meta when set, public_keys and keys
 * when there is a key, hostname, name, launch_index, availability_zone), and what devices gain.
 */
export const META_DATA_ADDS = {
  random_seed: GRIZZLY,
  project_id: LIBERTY,
  devices: NEWTON_ONE,
  device_vlan: OCATA,
  device_vf_trusted: ROCKY,
  dedicated_cpus: VICTORIA,
  share_devices: EPOXY,
} as const satisfies Record<string, OpenStackVersion>;

/** Keys the EC2 meta-data tree gains by version (1.0 has the rest). */
export const EC2_ADDS = {
  'local-hostname': '2007-01-19',
  'public-hostname': '2007-01-19',
  'public-ipv4': '2007-01-19',
  'instance-type': '2007-08-29',
  'block-device-mapping': '2007-12-15',
  placement: '2008-02-01',
  'instance-action': '2008-09-01',
} as const satisfies Record<string, Ec2Version>;

/**
 * The /openstack version list: every version up to maxVersion, hiding dates after today
 * (they can still be requested by name, as in Nova), then `latest`.
 */
export function openstackVersionList(maxVersion: OpenStackVersion, today: string): string[] {
  return [...OPENSTACK_VERSIONS.filter((v) => v <= maxVersion && v <= today), 'latest'];
}

/** Today's date as Nova formats it for the comparison (UTC, YYYY-MM-DD). */
export function isoDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

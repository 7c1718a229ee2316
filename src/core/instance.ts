// The normalised instance document (schema 1): what `fetch --json` prints and `get` answers.

export type SourceKind = 'openstack' | 'ec2' | 'configdrive';

export interface SourceInfo {
  kind: SourceKind;
  /** Base URL that answered, or the config drive directory. */
  endpoint: string;
  /** OpenStack version used (e.g. "2020-10-14"), or the EC2 version ("latest"). */
  version: string;
  /** Files read, relative to the version (e.g. "meta_data.json"). */
  files: string[];
  /** ISO 8601 time the crawl finished. */
  fetched_at: string;
}

export interface PublicKey {
  name: string;
  type: string;
  data: string;
}

export interface Network {
  id: string;
  type: string;
  link: string | null;
  mac: string | null;
  network_id: string | null;
  ip_address: string | null;
  /** As served: a dotted quad for IPv4, a mask such as "ffff:ffff:ffff:ffff::" for IPv6. */
  netmask: string | null;
  /** The netmask as a prefix length (24, 64), or null when there is none or it is not a mask. */
  prefix: number | null;
}

export interface Route {
  /** CIDR, e.g. "10.20.0.0/16" or "::/0". */
  destination: string;
  gateway: string;
  link: string | null;
  mac: string | null;
  network_id: string | null;
}

interface OpenStackRaw {
  meta_data: Record<string, unknown>;
  network_data: Record<string, unknown> | null;
  vendor_data: unknown;
  vendor_data2: unknown;
}

export interface Instance {
  schema: 1;
  source: SourceInfo;
  instance_id: string;
  name: string | null;
  hostname: string | null;
  availability_zone: string | null;
  project_id: string | null;
  launch_index: number | null;
  meta: Record<string, unknown>;
  public_keys: PublicKey[];
  networks: Network[];
  routes: Route[];
  dns_nameservers: string[];
  /** Text, or base64 when user_data_encoding is "base64"; null when absent. */
  user_data: string | null;
  user_data_encoding?: 'base64';
  password?: string | null;
  random_seed?: string | null;
  openstack: OpenStackRaw | null;
  ec2: { 'meta-data': Record<string, unknown> } | null;
}

export const SCHEMA_VERSION = 1;

/**
 * Keys that live only in the 0600 sensitive cache file. Paths are dotted from the
 * document root.
 */
export const SENSITIVE_PATHS = [
  'user_data',
  'user_data_encoding',
  'password',
  'random_seed',
  'openstack.vendor_data',
  'openstack.vendor_data2',
  'openstack.meta_data.random_seed',
  'openstack.meta_data.admin_pass',
  'ec2.meta-data.iam',
  'ec2.meta-data.identity-credentials',
] as const;

// The EC2-compatible tree (/<version>/meta-data/..., /<version>/user-data) as Nova builds and prints it.
import type { Instance } from './fixture.js';
import { EC2_ADDS, EC2_VERSIONS, ec2Since, isEc2Version, type Ec2Version } from './versions.js';
import { TEXT_PLAIN, type Answer } from './webob.js';

/** A node of the tree: a value, a list (printed one per line) or a directory. */
type Ec2Node = string | Buffer | string[] | Ec2Dir;
/** A directory; `_name` replaces "<key>/" in its parent's listing (how Nova prints public keys). */
interface Ec2Dir {
  [key: string]: Ec2Node;
}

function isDir(node: Ec2Node): node is Ec2Dir {
  return typeof node === 'object' && !Array.isArray(node) && !Buffer.isBuffer(node);
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** The first fixed IPv4 address, else the address the request came from (Nova's local-ipv4). */
function localIpv4(instance: Instance, address: string): string {
  return instance.fixedAddresses.find((a) => !a.includes(':')) ?? address;
}

/** The tree for one version: {"meta-data": {...}, "user-data": bytes when set}. */
function ec2Tree(instance: Instance, version: Ec2Version, address: string): Ec2Dir {
  const hostname = fqdn(instance);
  const at = (key: keyof typeof EC2_ADDS): boolean => ec2Since(EC2_ADDS[key], version);
  const meta: Ec2Dir = {
    'ami-id': `ami-${hex8(instance.imageId)}`,
    'ami-launch-index': String(instance.launchIndex),
    'ami-manifest-path': 'FIXME',
    'instance-id': `i-${hex8(instance.ec2Id)}`,
    hostname,
    'local-ipv4': localIpv4(instance, address),
    'reservation-id': instance.reservationId,
    'security-groups': instance.securityGroups,
  };
  if (instance.keys.length > 0) {
    const keys: Ec2Dir = {};
    instance.keys.forEach((key, i) => {
      keys[String(i)] = { _name: `${i}=${key.name}`, 'openssh-key': key.data };
    });
    meta['public-keys'] = keys;
  }
  if (at('local-hostname')) meta['local-hostname'] = hostname;
  if (at('public-hostname')) meta['public-hostname'] = hostname;
  if (at('public-ipv4')) meta['public-ipv4'] = instance.floatingIp ?? '';
  if (at('instance-type')) meta['instance-type'] = instance.instanceType;
  if (at('block-device-mapping')) meta['block-device-mapping'] = { ...instance.blockDeviceMapping };
  if (at('placement')) meta.placement = { 'availability-zone': instance.availabilityZone };
  if (at('instance-action')) meta['instance-action'] = 'none';
  const tree: Ec2Dir = { 'meta-data': meta };
  if (instance.userData !== null) tree['user-data'] = instance.userData;
  return tree;
}

/** hostname plus ".<dhcp_domain>" when a domain is set. */
export function fqdn(instance: Instance): string {
  return instance.dhcpDomain === '' ? instance.hostname : `${instance.hostname}.${instance.dhcpDomain}`;
}

/** How Nova prints a node: directories as sorted names ("key/" for subdirectories), lists one per line. */
export function ec2Print(node: Ec2Node): Buffer {
  if (Buffer.isBuffer(node)) return node;
  if (typeof node === 'string') return Buffer.from(node);
  if (Array.isArray(node)) return Buffer.from(node.join('\n'));
  const lines = Object.keys(node)
    .filter((key) => key !== '_name')
    .sort()
    .map((key) => {
      const child = node[key] as Ec2Node;
      if (!isDir(child)) return key;
      return typeof child._name === 'string' ? child._name : `${key}/`;
    });
  return Buffer.from(lines.join('\n'));
}

/** The EC2 version list served at `/`. */
export function ec2VersionList(): Answer {
  return { status: 200, contentType: TEXT_PLAIN, body: Buffer.from([...EC2_VERSIONS, 'latest'].join('\n')) };
}

/**
 * Answer /<version>/<path...> (tokens after the version prefix removed by the router);
 * undefined means 404.
 */
export function ec2Lookup(instance: Instance, tokens: string[], address: string): Answer | undefined {
  const [requested, ...path] = tokens;
  const version = requested === 'latest' ? EC2_VERSIONS[EC2_VERSIONS.length - 1] : requested;
  if (version === undefined || !isEc2Version(version)) return undefined;
  let node: Ec2Node = ec2Tree(instance, version, address);
  for (const token of path) {
    if (!isDir(node) || !Object.hasOwn(node, token)) return undefined;
    node = node[token] as Ec2Node;
  }
  return { status: 200, contentType: TEXT_PLAIN, body: ec2Print(node) };
}

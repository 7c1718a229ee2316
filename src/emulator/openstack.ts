// The OpenStack tree (/openstack/<version>/...) as Nova serves it: listings, meta_data.json by version, the other files.
import { fqdn } from './ec2.js';
import type { Device, Fixture, Instance } from './fixture.js';
import { pyJsonDumps, type JsonValue } from './pyjson.js';
import {
  GRIZZLY, HAVANA, META_DATA_ADDS, NEWTON_TWO, OPENSTACK_FILES, isOpenStackVersion, openstackVersionList, since,
  type OpenStackVersion,
} from './versions.js';
import { APPLICATION_JSON, TEXT_PLAIN, type Answer } from './webob.js';

interface OpenStackContext {
  /** Random bytes for random_seed (injected so tests can pin them). */
  randomBytes(size: number): Buffer;
}

/** The password file: the service answers it, since GET and POST both touch instance state. */
export const PASSWORD = Symbol('password');

function text(body: string | Buffer, contentType = TEXT_PLAIN): Answer {
  return { status: 200, contentType, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function json(value: JsonValue): Answer {
  return text(pyJsonDumps(value), APPLICATION_JSON);
}

/** GET /openstack: versions up to the fixture's max, dates after today hidden, then latest. */
export function openstackVersions(fixture: Fixture, today: string): Answer {
  return text(openstackVersionList(fixture.maxVersion, today).join('\n'));
}

/** The version a request names: latest is the fixture's max; unknown or newer than the max is undefined. */
function resolveVersion(fixture: Fixture, requested: string): OpenStackVersion | undefined {
  if (requested === 'latest') return fixture.maxVersion;
  return isOpenStackVersion(requested) && requested <= fixture.maxVersion ? requested : undefined;
}

/** The files /openstack/<version> lists, in Nova's order. */
export function fileList(instance: Instance, version: OpenStackVersion): string[] {
  return OPENSTACK_FILES.filter((file) => since(file.since, version))
    .filter((file) => file.name !== 'user_data' || instance.userData !== null)
    .map((file) => file.name);
}

/** One device as Nova renders it at this version, or undefined when Nova leaves it out. */
function renderDevice(device: Device, version: OpenStackVersion): { [key: string]: JsonValue } | undefined {
  const out: { [key: string]: JsonValue } = {};
  switch (device.type) {
    case 'nic':
      if (device.vlan !== undefined && since(META_DATA_ADDS.device_vlan, version)) out.vlan = device.vlan;
      if (since(META_DATA_ADDS.device_vf_trusted, version)) out.vf_trusted = device.vfTrusted ?? false;
      out.type = 'nic';
      out.mac = device.mac;
      if (device.tags === undefined && !('vlan' in out) && !('vf_trusted' in out)) return undefined;
      break;
    case 'disk':
      out.type = 'disk';
      if (device.serial !== undefined) out.serial = device.serial;
      if (device.path !== undefined) out.path = device.path;
      break;
    case 'share':
      if (!since(META_DATA_ADDS.share_devices, version)) return undefined;
      out.type = 'share';
      out.share_id = device.shareId;
      out.tag = device.tag;
      break;
  }
  out.bus = device.bus;
  out.address = device.address;
  if (device.tags !== undefined) out.tags = device.tags;
  return out;
}

/** meta_data.json with the keys this version has, in Nova's order. */
export function metaData(instance: Instance, version: OpenStackVersion, ctx: OpenStackContext): { [key: string]: JsonValue } {
  const md: { [key: string]: JsonValue } = { uuid: instance.uuid };
  if (Object.keys(instance.meta).length > 0) md.meta = instance.meta;
  if (instance.keys.length > 0) {
    md.public_keys = Object.fromEntries(instance.keys.map((key) => [key.name, key.data]));
    md.keys = instance.keys.map((key) => ({ name: key.name, type: key.type, data: key.data }));
  }
  md.hostname = fqdn(instance);
  md.name = instance.name;
  md.launch_index = instance.launchIndex;
  md.availability_zone = instance.availabilityZone;
  if (since(META_DATA_ADDS.random_seed, version)) md.random_seed = ctx.randomBytes(512).toString('base64');
  if (since(META_DATA_ADDS.project_id, version)) md.project_id = instance.projectId;
  if (since(META_DATA_ADDS.devices, version)) {
    md.devices = instance.devices.flatMap((device) => renderDevice(device, version) ?? []);
  }
  if (since(META_DATA_ADDS.dedicated_cpus, version)) md.dedicated_cpus = instance.dedicatedCpus;
  return md;
}

/**
 * Answer /openstack/<version>[/<file>] (tokens after "openstack"); PASSWORD for the password
 * file; undefined means 404. As in Nova, network_data.json answers at every version
 * although only 2015-10-15 and later list it, and "version" is another name for the listing.
 */
export function openstackLookup(
  fixture: Fixture,
  instance: Instance,
  tokens: string[],
  ctx: OpenStackContext,
): Answer | typeof PASSWORD | undefined {
  const [requested, ...rest] = tokens;
  if (requested === undefined) return undefined;
  const version = resolveVersion(fixture, requested);
  if (version === undefined) return undefined;
  const file = rest.length === 0 ? 'version' : rest.join('/');
  switch (file) {
    case 'version':
      return text(fileList(instance, version).join('\n'));
    case 'meta_data.json':
      return json(metaData(instance, version, ctx));
    case 'user_data':
      return instance.userData === null ? undefined : text(instance.userData);
    case 'password':
      return since(GRIZZLY, version) ? PASSWORD : undefined;
    case 'vendor_data.json':
      return since(HAVANA, version) ? json(instance.vendorData) : undefined;
    case 'vendor_data2.json':
      return since(NEWTON_TWO, version) ? json(instance.vendorData2) : undefined;
    case 'network_data.json':
      return text(pyJsonDumps(instance.networkData));
    default:
      return undefined;
  }
}

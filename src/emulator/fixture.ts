// The emulator's fixture: YAML describing the service and its instances, checked into a typed Fixture.
import { isIP } from 'node:net';
import { quote } from '../core/errors.js';
import type { JsonValue } from './pyjson.js';
import { EPOXY, isOpenStackVersion, type OpenStackVersion } from './versions.js';
import { FieldError, Fields, checked, parseYaml, readYamlFile } from './yamlcheck.js';

interface KeyPair {
  name: string;
  type: string;
  data: string;
}

/** A device of meta_data.json `devices`, as Nova's virt device metadata describes it. */
export type Device =
  | { type: 'nic'; mac: string; bus: string; address: string; tags?: string[]; vlan?: number; vfTrusted?: boolean }
  | { type: 'disk'; bus: string; address: string; tags?: string[]; serial?: string; path?: string }
  | { type: 'share'; bus: string; address: string; tags?: string[]; shareId: string; tag: string };

export interface Instance {
  uuid: string;
  name: string;
  hostname: string;
  dhcpDomain: string;
  projectId: string;
  availabilityZone: string;
  launchIndex: number;
  reservationId: string;
  ec2Id: number;
  imageId: number;
  instanceType: string;
  rootDeviceName: string;
  blockDeviceMapping: Record<string, string>;
  securityGroups: string[];
  keys: KeyPair[];
  /** Raw user data, or null when the instance has none. */
  userData: Buffer | null;
  /** The password set at start, or null. */
  password: string | null;
  vendorData: { [key: string]: JsonValue };
  vendorData2: { [key: string]: JsonValue };
  meta: Record<string, string>;
  devices: Device[];
  dedicatedCpus: number[];
  fixedAddresses: string[];
  floatingIp: string | null;
  networkData: { [key: string]: JsonValue };
}

export interface Fixture {
  /** Where it came from, for messages. */
  source: string;
  /** The newest OpenStack version this service knows (a Nova release's last). */
  maxVersion: OpenStackVersion;
  /** Serve only the EC2 tree: /openstack and below are 404. */
  ec2Only: boolean;
  /** uuid answering requests from unknown addresses; null: those get 404, as in Nova. */
  defaultInstance: string | null;
  instances: Instance[];
}

/** Nova keeps at most 4 chunks of 255 characters of password. */
export const MAX_PASSWORD = 1020;

const SERVICE_KEYS = ['max_version', 'ec2_only', 'default_instance', 'instances'] as const;
const INSTANCE_KEYS = [
  'uuid', 'name', 'hostname', 'dhcp_domain', 'project_id', 'availability_zone', 'launch_index',
  'reservation_id', 'ec2_id', 'image_id', 'instance_type', 'root_device_name', 'block_device_mapping',
  'security_groups', 'keys', 'user_data', 'user_data_base64', 'password', 'vendor_data', 'vendor_data2',
  'meta', 'devices', 'dedicated_cpus', 'fixed_addresses', 'floating_ip', 'network_data',
] as const;
const KEY_KEYS = ['name', 'type', 'data'] as const;
const DEVICE_KEYS = ['type', 'bus', 'address', 'tags', 'mac', 'vlan', 'vf_trusted', 'serial', 'path', 'share_id', 'tag'] as const;
const BUSES = ['pci', 'usb', 'scsi', 'ide', 'xen', 'none'];
const UINT32 = 0xffffffff;

function keyPair(value: unknown, field: string): KeyPair {
  const f = Fields.of(value, field, KEY_KEYS);
  return { name: f.requiredString('name'), type: f.string('type', 'ssh'), data: f.requiredString('data') };
}

function device(value: unknown, field: string): Device {
  const f = Fields.of(value, field, DEVICE_KEYS);
  const type = f.requiredString('type');
  const bus = f.string('bus', 'none');
  if (!BUSES.includes(bus)) throw new FieldError(f.name('bus'), `must be one of ${BUSES.join(', ')}`);
  const common = { bus, address: f.string('address', 'none'), ...(f.has('tags') ? { tags: f.stringList('tags', []) } : {}) };
  const only = (allowed: string[]): void => {
    for (const key of ['mac', 'vlan', 'vf_trusted', 'serial', 'path', 'share_id', 'tag']) {
      if (f.has(key) && !allowed.includes(key)) throw new FieldError(f.name(key), `not allowed for a ${type} device`);
    }
  };
  switch (type) {
    case 'nic': {
      only(['mac', 'vlan', 'vf_trusted']);
      const vlan = f.optionalInteger('vlan', 0, 4095);
      return {
        type, mac: f.requiredString('mac'), ...common,
        ...(vlan === undefined ? {} : { vlan }),
        ...(f.has('vf_trusted') ? { vfTrusted: f.boolean('vf_trusted', false) } : {}),
      };
    }
    case 'disk': {
      only(['serial', 'path']);
      const serial = f.optionalString('serial');
      const path = f.optionalString('path');
      return { type, ...common, ...(serial === undefined ? {} : { serial }), ...(path === undefined ? {} : { path }) };
    }
    case 'share':
      only(['share_id', 'tag']);
      return { type, ...common, shareId: f.requiredString('share_id'), tag: f.requiredString('tag') };
    default:
      throw new FieldError(f.name('type'), 'must be nic, disk or share');
  }
}

function userData(f: Fields): Buffer | null {
  const text = f.optionalString('user_data');
  const encoded = f.optionalString('user_data_base64');
  if (text !== undefined && encoded !== undefined) throw new FieldError(f.name('user_data_base64'), 'conflicts with user_data; give one');
  if (text !== undefined) return Buffer.from(text, 'utf8');
  if (encoded === undefined) return null;
  const compact = encoded.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new FieldError(f.name('user_data_base64'), 'must be base64');
  }
  return Buffer.from(compact, 'base64');
}

function instance(value: unknown, field: string, index: number): Instance {
  const f = Fields.of(value, field, INSTANCE_KEYS);
  const uuid = f.requiredString('uuid');
  const fallbackName = `server-${uuid}`;
  const name = f.string('name', f.optionalString('hostname') ?? fallbackName);
  const hostname = f.string('hostname', f.optionalString('name') ?? fallbackName);
  const password = f.optionalString('password') ?? null;
  if (password !== null && password.length > MAX_PASSWORD) {
    throw new FieldError(f.name('password'), `must be at most ${MAX_PASSWORD} characters`);
  }
  const vendorData = f.jsonMapping('vendor_data', {});
  const rootDeviceName = f.string('root_device_name', '/dev/vda');
  const blockDeviceMapping = f.stringMap('block_device_mapping');
  return {
    uuid,
    name,
    hostname,
    dhcpDomain: f.string('dhcp_domain', 'novalocal'),
    projectId: f.string('project_id', '00000000000000000000000000000000'),
    availabilityZone: f.string('availability_zone', 'nova'),
    launchIndex: f.integer('launch_index', 0, 0, UINT32),
    reservationId: f.string('reservation_id', 'r-00000000'),
    ec2Id: f.integer('ec2_id', index + 1, 0, UINT32),
    imageId: f.integer('image_id', 1, 0, UINT32),
    instanceType: f.string('instance_type', 'm1.small'),
    rootDeviceName,
    blockDeviceMapping: { ami: rootDeviceName.replace(/^\/dev\//, ''), root: rootDeviceName, ...blockDeviceMapping },
    securityGroups: f.stringList('security_groups', ['default']),
    keys: f.list('keys', [], keyPair),
    userData: userData(f),
    password: password === '' ? null : password,
    vendorData,
    vendorData2: f.jsonMapping('vendor_data2', { static: vendorData }),
    meta: f.stringMap('meta'),
    devices: f.list('devices', [], device),
    dedicatedCpus: f.list('dedicated_cpus', [], (item, name) => {
      if (typeof item !== 'number' || !Number.isInteger(item) || item < 0) throw new FieldError(name, 'must be a CPU number (integer from 0)');
      return item;
    }),
    fixedAddresses: f.list('fixed_addresses', [], (item, name) => {
      if (typeof item !== 'string' || isIP(item) === 0) throw new FieldError(name, `${quote(item)} is not an IP address`);
      return item;
    }),
    floatingIp: f.address('floating_ip') ?? null,
    networkData: f.jsonMapping('network_data', {}),
  };
}

/** Check parsed YAML and build the Fixture; throws FieldError naming the first bad field. */
function buildFixture(value: unknown, source: string): Fixture {
  const f = Fields.of(value, '', SERVICE_KEYS);
  const maxVersion = f.string('max_version', EPOXY);
  if (!isOpenStackVersion(maxVersion)) throw new FieldError('max_version', `${quote(maxVersion)} is not an OpenStack metadata version`);
  if (!f.has('instances')) throw new FieldError('instances', 'is required');
  const instances = f.list('instances', [], instance);
  if (instances.length === 0) throw new FieldError('instances', 'must list at least one instance');
  const seenUuid = new Map<string, number>();
  const seenAddress = new Map<string, number>();
  instances.forEach((inst, i) => {
    const first = seenUuid.get(inst.uuid);
    if (first !== undefined) throw new FieldError(`instances[${i}].uuid`, `${quote(inst.uuid)} is also the uuid of instances[${first}]`);
    seenUuid.set(inst.uuid, i);
    inst.fixedAddresses.forEach((address, j) => {
      const owner = seenAddress.get(address);
      if (owner !== undefined && owner !== i) {
        throw new FieldError(`instances[${i}].fixed_addresses[${j}]`, `${quote(address)} is also an address of instances[${owner}]`);
      }
      seenAddress.set(address, i);
    });
  });
  let defaultInstance: string | null = instances[0]?.uuid ?? null;
  if (f.raw('default_instance') === null) defaultInstance = null;
  else if (f.has('default_instance')) {
    defaultInstance = f.requiredString('default_instance');
    if (!seenUuid.has(defaultInstance)) throw new FieldError('default_instance', `no instance has uuid ${quote(defaultInstance)}`);
  }
  return { source, maxVersion, ec2Only: f.boolean('ec2_only', false), defaultInstance, instances };
}

/** Load a fixture from YAML text; a bad fixture throws ERR_FIXTURE "<source>: <field>: <why>". */
export function loadFixtureText(text: string, source: string): Fixture {
  const value = parseYaml(text, source, 'ERR_FIXTURE');
  return checked(source, 'ERR_FIXTURE', () => buildFixture(value, source));
}

export async function loadFixtureFile(file: string): Promise<Fixture> {
  const value = await readYamlFile(file, 'ERR_FIXTURE');
  return checked(file, 'ERR_FIXTURE', () => buildFixture(value, file));
}

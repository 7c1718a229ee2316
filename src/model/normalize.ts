// Raw metadata from a source (OpenStack, config drive or EC2) -> the schema 1 instance document.
import { isUtf8 } from 'node:buffer';
import { MdctlError, isMdctlError } from '../core/errors.js';
import type { Instance, Problem, PublicKey, SourceInfo } from '../core/instance.js';
import type { RawEc2, RawMetadata, RawOpenStack } from '../core/raw.js';
import { Fields, isObject, type Json } from './fields.js';
import { normalizeEc2 } from './normalize-ec2.js';
import { normalizeNetworkData } from './normalize-network.js';

const META = 'meta_data.json';

/** user_data as text when it is valid UTF-8 without NUL, else base64 (flagged in user_data_encoding). */
export function decodeUserData(bytes: Buffer | null): Pick<Instance, 'user_data' | 'user_data_encoding'> {
  if (bytes === null) return { user_data: null };
  if (!bytes.includes(0) && isUtf8(bytes)) return { user_data: bytes.toString('utf8') };
  return { user_data: bytes.toString('base64'), user_data_encoding: 'base64' };
}

/** meta_data `keys` ([{name, type, data}]), else the older `public_keys` object (name -> data). */
function publicKeys(meta: Fields): PublicKey[] {
  const legacy = meta.object('public_keys');
  const fromLegacy =
    legacy === null ? [] : Object.keys(legacy.value).map((name) => ({ name, type: 'ssh', data: legacy.requiredString(name) }));
  if (meta.array('keys') === null) return fromLegacy;
  return meta.objects('keys').map((key) => ({
    name: key.requiredString('name'),
    type: key.string('type') ?? 'ssh',
    data: key.requiredString('data'),
  }));
}

function optionalSecret(meta: Fields, key: string): string | undefined {
  return meta.string(key) ?? undefined;
}

const NETWORK = 'network_data.json';
/** What a broken network_data.json leaves: nothing known, which no applier may take for "no routes". */
const NO_NETWORK = { networks: null, routes: null, dns_nameservers: null };

/** network_data.json normalised, or nulls and a problem when it is not what Nova's schema produces (a link without id...). */
function networkOf(raw: RawOpenStack, problems: Problem[]): { part: Pick<Instance, 'networks' | 'routes' | 'dns_nameservers'>; value: Json | null } {
  if (problems.some((problem) => problem.file === NETWORK)) return { part: NO_NETWORK, value: null };
  try {
    const part = normalizeNetworkData(raw.network_data);
    return { part, value: raw.network_data === undefined || raw.network_data === null ? null : Fields.of(NETWORK, raw.network_data).value };
  } catch (error) {
    if (!isMdctlError(error) || error.code !== 'ERR_INVALID_METADATA') throw error;
    problems.push({ file: NETWORK, reason: error.message });
    return { part: NO_NETWORK, value: null };
  }
}

/** A vendor data file as served when it is a JSON object (as Nova serves it); anything else is a problem and null. */
function vendorOf(file: string, value: unknown, problems: Problem[]): unknown {
  if (value === undefined || value === null) return null;
  if (isObject(value)) return value;
  problems.push({ file, reason: `${file}: not a JSON object (got ${Array.isArray(value) ? 'an array' : `a ${typeof value}`})` });
  return null;
}

function fromOpenStack(raw: RawOpenStack, source: SourceInfo): Instance {
  const meta = Fields.of(META, raw.meta_data);
  const problems: Problem[] = [...(raw.problems ?? [])];
  const network = networkOf(raw, problems);
  const vendorData = vendorOf('vendor_data.json', raw.vendor_data, problems);
  const vendorData2 = vendorOf('vendor_data2.json', raw.vendor_data2, problems);
  const userMeta = meta.object('meta');
  const password = optionalSecret(meta, 'admin_pass');
  const randomSeed = optionalSecret(meta, 'random_seed');
  return {
    schema: 1,
    source,
    instance_id: meta.identifier('uuid'),
    name: meta.string('name'),
    hostname: meta.string('hostname'),
    availability_zone: meta.string('availability_zone'),
    project_id: meta.string('project_id'),
    launch_index: meta.integer('launch_index'),
    meta: userMeta === null ? {} : userMeta.value,
    public_keys: publicKeys(meta),
    ...network.part,
    ...decodeUserData(raw.user_data),
    ...(password === undefined ? {} : { password }),
    ...(randomSeed === undefined ? {} : { random_seed: randomSeed }),
    openstack: {
      meta_data: meta.value,
      network_data: network.value,
      vendor_data: vendorData,
      vendor_data2: vendorData2,
    },
    ec2: null,
    ...(problems.length === 0 ? {} : { problems }),
  };
}

function fromEc2(raw: RawEc2, source: SourceInfo): Instance {
  const part = normalizeEc2(raw['meta-data']);
  return {
    schema: 1,
    source,
    instance_id: part.instance_id,
    name: null,
    hostname: part.hostname,
    availability_zone: part.availability_zone,
    project_id: null,
    launch_index: part.launch_index,
    meta: {},
    public_keys: part.public_keys,
    networks: [],
    routes: [],
    dns_nameservers: [],
    ...decodeUserData(raw.user_data),
    openstack: null,
    ec2: { 'meta-data': raw['meta-data'] },
  };
}

/**
 * Builds the instance document from what a source read. Pure. Wrong types and a missing
 * uuid/instance-id throw ERR_INVALID_METADATA naming the file and field; hostile values of the
 * right type are kept as data (the appliers validate them).
 */
export function normalize(raw: RawMetadata, fetchedAt: Date): Instance {
  const source: SourceInfo = {
    kind: raw.kind,
    endpoint: raw.endpoint,
    version: raw.version,
    files: [...raw.files],
    fetched_at: fetchedAt.toISOString(),
  };
  if (raw.openstack !== undefined) return fromOpenStack(raw.openstack, source);
  if (raw.ec2 !== undefined) return fromEc2(raw.ec2, source);
  throw new MdctlError('ERR_INVALID_METADATA', `metadata from ${raw.endpoint}: neither an OpenStack nor an EC2 tree was read`);
}

// Properties of normalisation: network_data.json, meta_data.json and the EC2 tree -> the schema 1 document, typed errors only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { RawMetadata } from '../../src/core/raw.js';
import { normalizeEc2 } from '../../src/model/normalize-ec2.js';
import { normalizeNetworkData } from '../../src/model/normalize-network.js';
import { decodeUserData, normalize } from '../../src/model/normalize.js';
import { toCidr } from '../../src/core/ip.js';
import { instanceProblem } from '../../src/model/shape.js';
import { RUNS, hostileText, ipv4Bytes, prefixToMask4, typed } from './typed.js';

/** Mostly `arb`, sometimes a value of any JSON type, sometimes absent: wrong types must be typed errors. */
function wrongSometimes<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | fc.JsonValue | undefined> {
  return fc.oneof({ weight: 8, arbitrary: arb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 1, arbitrary: fc.constant(undefined) });
}

const ipv4 = ipv4Bytes.map((b) => b.join('.'));
const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
const linkId = fc.constantFrom('tap0', 'tap1', 'bond0', 'vlan5');
const netmask = fc.oneof(fc.integer({ min: 0, max: 32 }).map(prefixToMask4), fc.constantFrom('ffff:ffff:ffff:ffff::', '255.0.255.0', 'bogus', '24'));

const link = fc.record(
  {
    id: linkId,
    type: fc.constantFrom('ovs', 'phy', 'bond', 'vlan'),
    ethernet_mac_address: mac,
    vlan_link: linkId,
    bond_links: fc.array(linkId, { maxLength: 2 }),
    mtu: fc.integer({ min: 576, max: 9000 }),
  },
  { requiredKeys: ['id'] },
);
const route = fc.record({ network: fc.oneof(ipv4, hostileText), netmask, gateway: fc.oneof(ipv4, fc.constant('fe80::1'), hostileText) });
const service = fc.record({ type: fc.constantFrom('dns', 'ntp'), address: ipv4 });
const network = fc.record(
  {
    id: fc.string({ maxLength: 10 }),
    type: fc.constantFrom('ipv4', 'ipv6', 'ipv4_dhcp', 'ipv6_dhcp', 'ipv6_slaac'),
    link: linkId,
    ip_address: ipv4,
    netmask,
    network_id: fc.uuid(),
    routes: fc.array(route, { maxLength: 4 }),
    services: fc.array(service, { maxLength: 3 }),
  },
  { requiredKeys: ['id', 'type'] },
);
const networkData = fc.record({ links: fc.array(link, { maxLength: 4 }), networks: fc.array(network, { maxLength: 4 }), services: fc.array(service, { maxLength: 3 }) }, { requiredKeys: [] });

/** The same shape with any field, at any depth, possibly of the wrong type. */
const damagedNetworkData = fc.record({
  links: wrongSometimes(fc.array(fc.record({ id: wrongSometimes(linkId), ethernet_mac_address: wrongSometimes(mac), vlan_link: wrongSometimes(linkId), bond_links: wrongSometimes(fc.array(linkId)) }), { maxLength: 3 })),
  networks: wrongSometimes(
    fc.array(
      fc.record({
        id: wrongSometimes(fc.string()),
        type: wrongSometimes(fc.constantFrom('ipv4', 'ipv4_dhcp')),
        link: wrongSometimes(linkId),
        ip_address: wrongSometimes(ipv4),
        netmask: wrongSometimes(netmask),
        routes: wrongSometimes(fc.array(fc.record({ network: wrongSometimes(ipv4), netmask: wrongSometimes(netmask), gateway: wrongSometimes(ipv4) }), { maxLength: 3 })),
        services: wrongSometimes(fc.array(fc.record({ type: wrongSometimes(fc.constant('dns')), address: wrongSometimes(ipv4) }), { maxLength: 2 })),
      }),
      { maxLength: 3 },
    ),
  ),
  services: wrongSometimes(fc.array(service, { maxLength: 2 })),
});

test('network_data.json of any JSON shape: a result or a one-line ERR_INVALID_METADATA', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), damagedNetworkData), (value) => {
      const json = JSON.parse(JSON.stringify(value ?? null)) as unknown;
      if (typed(() => normalizeNetworkData(json)) === undefined) assert.throws(() => normalizeNetworkData(json), { code: 'ERR_INVALID_METADATA' });
    }),
    RUNS,
  );
});

test('well-typed network_data.json always normalises: every route of every static network, as CIDR; DNS servers once each', () => {
  fc.assert(
    fc.property(networkData, (data) => {
      const part = normalizeNetworkData(JSON.parse(JSON.stringify(data)));
      const networks = data.networks ?? [];
      assert.equal(part.networks.length, networks.length);
      const expected = networks.filter((n) => n.type !== 'ipv4_dhcp' && n.type !== 'ipv6_dhcp').flatMap((n) => (n.routes ?? []).map((r) => toCidr(r.network, r.netmask)));
      assert.deepEqual(part.routes.map((r) => r.destination), expected);
      assert.equal(new Set(part.dns_nameservers).size, part.dns_nameservers.length);
      const served = [...networks.flatMap((n) => n.services ?? []), ...(data.services ?? [])].filter((s) => s.type === 'dns').map((s) => s.address);
      assert.deepEqual(new Set(part.dns_nameservers), new Set(served));
      for (const net of part.networks) assert.ok(net.mac === null || /^[0-9a-f:]{17}$/.test(net.mac));
    }),
    RUNS,
  );
});

const metaData = fc.record(
  {
    uuid: fc.oneof(fc.uuid(), hostileText.filter((text) => text.trim() !== '')),
    name: hostileText,
    hostname: hostileText,
    availability_zone: fc.string(),
    project_id: fc.string(),
    launch_index: fc.nat(),
    meta: fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }),
    keys: fc.array(fc.record({ name: hostileText, type: fc.constantFrom('ssh', 'x509'), data: hostileText }), { maxLength: 3 }),
    public_keys: fc.dictionary(fc.string(), hostileText, { maxKeys: 3 }),
    admin_pass: fc.string(),
    random_seed: fc.base64String(),
  },
  { requiredKeys: ['uuid'] },
);

function raw(meta: unknown, net: unknown, userData: Buffer | null): RawMetadata {
  return {
    kind: 'openstack',
    endpoint: 'http://127.0.0.1:8775',
    version: '2020-10-14',
    files: ['meta_data.json'],
    openstack: { meta_data: meta, network_data: net, vendor_data: { any: 'thing' }, vendor_data2: null, user_data: userData },
  };
}

const userData = fc.option(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(s))).map((a) => Buffer.from(a)), { nil: null });

test('well-typed metadata always gives a document of the exact schema 1 shape, unchanged by a JSON round trip', () => {
  fc.assert(
    fc.property(metaData, networkData, userData, (meta, net, bytes) => {
      const doc = normalize(raw(JSON.parse(JSON.stringify(meta)), JSON.parse(JSON.stringify(net)), bytes), new Date(0));
      assert.equal(instanceProblem(doc), null);
      assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc);
      assert.equal(doc.instance_id, meta.uuid);
    }),
    RUNS,
  );
});

test('meta_data.json of any JSON value: a document or a one-line ERR_INVALID_METADATA', () => {
  const anyMeta = fc.oneof(fc.jsonValue(), fc.record({ uuid: wrongSometimes(fc.uuid()), hostname: wrongSometimes(fc.string()), keys: wrongSometimes(fc.array(fc.record({ name: wrongSometimes(fc.string()), data: wrongSometimes(fc.string()) }))), public_keys: wrongSometimes(fc.dictionary(fc.string(), fc.jsonValue())), meta: wrongSometimes(fc.dictionary(fc.string(), fc.string())), launch_index: wrongSometimes(fc.integer()) }));
  fc.assert(
    fc.property(anyMeta, fc.oneof(fc.jsonValue(), damagedNetworkData), (meta, net) => {
      const input = raw(JSON.parse(JSON.stringify(meta ?? null)), JSON.parse(JSON.stringify(net ?? null)), null);
      const doc = typed(() => normalize(input, new Date(0)));
      if (doc === undefined) assert.throws(() => normalize(input, new Date(0)), { code: 'ERR_INVALID_METADATA' });
      else assert.equal(instanceProblem(doc), null);
    }),
    RUNS,
  );
});

test('user_data round-trips: text as it was, anything else as base64 of the exact bytes', () => {
  fc.assert(
    fc.property(userData, (bytes) => {
      const decoded = decodeUserData(bytes);
      if (bytes === null) return assert.equal(decoded.user_data, null);
      const back = decoded.user_data_encoding === 'base64' ? Buffer.from(decoded.user_data ?? '', 'base64') : Buffer.from(decoded.user_data ?? '', 'utf8');
      assert.ok(back.equals(bytes));
    }),
    RUNS,
  );
});

const ec2Tree = fc.record(
  {
    'instance-id': wrongSometimes(fc.string()),
    hostname: wrongSometimes(hostileText),
    'local-hostname': fc.string(),
    'ami-launch-index': wrongSometimes(fc.oneof(fc.nat().map(String), hostileText)),
    placement: wrongSometimes(fc.record({ 'availability-zone': wrongSometimes(fc.string()) })),
    'public-keys': wrongSometimes(
      fc.dictionary(
        fc.oneof(fc.tuple(fc.nat({ max: 20 }), fc.string()).map(([i, name]) => `${i}=${name}`), fc.nat({ max: 20 }).map(String), hostileText),
        fc.oneof(fc.record({ 'openssh-key': wrongSometimes(fc.string()) }), fc.string(), fc.jsonValue()),
        { maxKeys: 4 },
      ),
    ),
  },
  { requiredKeys: [] },
);

test('the EC2 meta-data tree of any shape: a part or a one-line ERR_INVALID_METADATA; keys come back in index order', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), ec2Tree), (tree) => {
      const value = JSON.parse(JSON.stringify(tree ?? null)) as unknown;
      const part = typed(() => normalizeEc2(value));
      if (part === undefined) return assert.throws(() => normalizeEc2(value), { code: 'ERR_INVALID_METADATA' });
      assert.equal(typeof part.instance_id, 'string');
      const keys = (value as Record<string, Record<string, unknown>>)['public-keys'] ?? {};
      assert.equal(part.public_keys.length, Object.keys(keys).length);
      const expected = Object.keys(keys)
        .map((entry) => /^(\d+)(?:=(.*))?$/s.exec(entry))
        .map((match) => ({ index: Number(match?.[1]), name: match?.[2] ?? String(Number(match?.[1])) }))
        .sort((a, b) => a.index - b.index)
        .map((k) => k.name);
      assert.deepEqual(part.public_keys.map((k) => k.name), expected);
    }),
    RUNS,
  );
});

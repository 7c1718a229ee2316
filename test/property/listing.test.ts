// Properties of the listing and version parsers, the route checks and the config file loader: typed errors only, stable results.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { CORE_SCHEMA, dump, load } from 'js-yaml';
import { CONFIG_KEYS, loadConfig, parseConfig } from '../../src/config/config.js';
import { capturesMetadataService, checkRoute } from '../../src/model/routes.js';
import { LATEST, OPENSTACK_VERSIONS, negotiateVersion, parseListing } from '../../src/sources/versions.js';
import { RUNS, hostileText, ipv4Bytes, prefixToMask4, typed, typedAsync } from './typed.js';

const dir = mkdtempSync(join(tmpdir(), 'mdctl-property-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const entry = fc.stringMatching(/^[^\s][^\r\n]*[^\s]$|^[^\s]$/).filter((text) => text.trim() === text);

test('parseListing never throws; entries are trimmed, non-empty, without LF (a lone CR stays inside); parsing its own output changes nothing', () => {
  fc.assert(
    fc.property(hostileText, (body) => {
      const entries = typed(() => parseListing(body));
      assert.ok(entries !== undefined);
      for (const item of entries) {
        assert.notEqual(item, '');
        assert.equal(item, item.trim());
        assert.ok(!item.includes('\n'));
      }
      assert.deepEqual(parseListing(entries.join('\n')), entries);
    }),
    RUNS,
  );
});

test('a listing written with LF or CRLF and blank lines gives back its entries', () => {
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), (entries, eol, blanks) => {
      const body = entries.map((item) => (blanks ? `${item}${eol}${eol}` : `${item}${eol}`)).join('');
      assert.deepEqual(parseListing(body), entries);
    }),
    RUNS,
  );
});

test('negotiateVersion picks the newest known version listed, else latest, else a one-line ERR_INVALID_METADATA', () => {
  const known = OPENSTACK_VERSIONS.map((info) => info.version);
  const item = fc.oneof(fc.constantFrom(...known, LATEST), hostileText, fc.constantFrom('2099-01-01', '2012-08-10x', ''));
  fc.assert(
    fc.property(fc.array(item, { maxLength: 10 }), (entries) => {
      const chosen = typed(() => negotiateVersion(entries, 'GET /openstack'));
      const listed = known.filter((version) => entries.includes(version));
      if (listed.length > 0) assert.equal(chosen, listed[listed.length - 1]);
      else if (entries.includes(LATEST)) assert.equal(chosen, LATEST);
      else assert.equal(chosen, undefined);
    }),
    RUNS,
  );
});

const mac = 'fa:16:3e:00:00:01';
const networks = [
  { id: 'n0', type: 'ipv4', link: 'tap0', mac, network_id: null, ip_address: '192.168.0.233', netmask: '255.255.255.0', prefix: 24 },
  { id: 'n1', type: 'ipv6', link: 'tap0', mac, network_id: null, ip_address: '2001:db8::5', netmask: 'ffff:ffff:ffff:ffff::', prefix: 64 },
];

test('checkRoute: a one-line ERR_INVALID_VALUE or a canonical route that checks to itself again', () => {
  const address = fc.oneof(ipv4Bytes.map((b) => b.join('.')), fc.ipV6(), hostileText, fc.constantFrom('192.168.0.1', '192.168.0.254', 'fe80::1', '2001:db8::1', '169.254.169.254'));
  const destination = fc.oneof(
    fc.tuple(ipv4Bytes, fc.integer({ min: 0, max: 32 })).map(([b, p]) => `${b.map((x, i) => x & Number(prefixToMask4(p).split('.')[i])).join('.')}/${p}`),
    fc.tuple(address, fc.integer({ min: 0, max: 140 })).map(([a, p]) => `${a}/${p}`),
    hostileText,
  );
  const route = fc.record({ destination, gateway: address, link: fc.constantFrom('tap0', null), mac: fc.constantFrom(mac, 'FA:16:3E:00:00:01', null), network_id: fc.constant(null) });
  fc.assert(
    fc.property(route, (r) => {
      const checked = typed(() => checkRoute(r, networks));
      if (checked === undefined) return;
      const again = checkRoute({ ...r, destination: checked.destination, gateway: checked.gateway }, networks);
      assert.deepEqual(again, checked);
      assert.equal(typeof typed(() => capturesMetadataService(checked)), 'boolean');
      if (checked.family === 4 && checked.prefix > 0) {
        const [base] = checked.destination.split('/');
        const covers = ipv4Value(base!) >>> (32 - checked.prefix) === ipv4Value('169.254.169.254') >>> (32 - checked.prefix);
        assert.equal(capturesMetadataService(checked), covers);
      }
    }),
    RUNS,
  );
});

function ipv4Value(address: string): number {
  return address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

const configValue = fc.record(
  {
    user: fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,15}$/), hostileText, fc.integer()),
    appliers: fc.oneof(fc.array(fc.stringMatching(/^\.\/[a-z]{1,8}\.mjs$/), { maxLength: 3 }), fc.jsonValue()),
    only: fc.oneof(fc.array(fc.constantFrom('hostname', 'ssh-keys', 'routes'), { maxLength: 3 }), fc.jsonValue()),
    skip: fc.oneof(fc.array(fc.constantFrom('hostname', ' routes '), { maxLength: 2 }), fc.jsonValue()),
    boot_timeout: fc.oneof(fc.integer({ min: 1, max: 86_400 }), fc.double(), fc.string()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

test('parseConfig: a checked config or a one-line ERR_CONFIG naming the key; good values come back as given', () => {
  fc.assert(
    fc.property(fc.oneof(configValue, fc.jsonValue()), (value) => {
      const config = typed(() => parseConfig(value, '/etc/mdctl/config.yaml'));
      if (config === undefined) return assert.throws(() => parseConfig(value, '/etc/mdctl/config.yaml'), { code: 'ERR_CONFIG' });
      for (const key of Object.keys(config)) assert.ok(['path', 'appliers', ...CONFIG_KEYS].includes(key), key);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const given = value as Record<string, unknown>;
        if (given.user !== undefined) assert.equal(config.user, given.user);
        if (given.boot_timeout !== undefined) assert.equal(config.boot_timeout, given.boot_timeout);
        if (Array.isArray(given.only)) assert.deepEqual(config.only, (given.only as string[]).map((id) => id.trim()));
      }
    }),
    RUNS,
  );
});

test('loadConfig of any file text: a config or a one-line ERR_CONFIG; a dumped good config loads back equal', async () => {
  const file = join(dir, 'config.yaml');
  await fc.assert(
    fc.asyncProperty(fc.oneof(hostileText, configValue.map((value) => dump(value))), async (text) => {
      writeFileSync(file, text);
      const config = await typedAsync(() => loadConfig(file));
      if (config === undefined) await assert.rejects(loadConfig(file), { code: 'ERR_CONFIG' });
      else assert.deepEqual(parseConfig(load(text, { schema: CORE_SCHEMA }), file), config);
    }),
    RUNS,
  );
});

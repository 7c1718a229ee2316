// Properties of the emulator's YAML loaders (fixture and fault rules): any text gives a value or a one-line typed error naming the file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { globToRegExp, loadFaultsText } from '../../src/emulator/faults.js';
import { loadFixtureText } from '../../src/emulator/fixture.js';
import { RUNS, hostileText, typed } from './typed.js';

const rule = fc.record(
  {
    path: fc.oneof(fc.stringMatching(/^\/[a-z0-9_*?/.-]{0,20}$/), hostileText),
    method: fc.constantFrom('GET', 'put', 'POST'),
    times: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.string()),
    status: fc.oneof(fc.integer({ min: 100, max: 700 }), fc.jsonValue()),
    delay_ms: fc.integer({ min: -1, max: 5000 }),
    reset: fc.constantFrom('before', 'middle', true, false, 'sideways'),
    truncate: fc.nat(),
    drip: fc.integer({ min: 0, max: 10 }),
    body: fc.string(),
    redirect: fc.constantFrom('http://127.0.0.2/', '/elsewhere'),
    bogus: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

test('fault rules: any YAML text gives rules or a one-line ERR_USAGE naming the source', () => {
  fc.assert(
    fc.property(fc.oneof(hostileText, fc.array(rule, { maxLength: 3 }).map((rules) => dump(rules))), (text) => {
      const rules = typed(() => loadFaultsText(text, 'faults.yaml'));
      if (rules === undefined) assert.throws(() => loadFaultsText(text, 'faults.yaml'), { code: 'ERR_USAGE', message: /faults\.yaml/ });
      else for (const r of rules) assert.ok(r.path.startsWith('/'));
    }),
    RUNS,
  );
});

test('globToRegExp: a glob without wildcards matches exactly itself; * never crosses a "/"', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^\/[a-z0-9_./()+$^|[\]{}\\-]{0,20}$/), fc.stringMatching(/^[a-z0-9]{1,5}$/), (path, segment) => {
      assert.ok(globToRegExp(path).test(path));
      assert.equal(globToRegExp(path).test(`${path}x`), false);
      assert.ok(globToRegExp('/a/*').test(`/a/${segment}`));
      assert.equal(globToRegExp('/a/*').test(`/a/${segment}/${segment}`), false);
      assert.ok(globToRegExp('/a/**').test(`/a/${segment}/${segment}`));
    }),
    RUNS,
  );
});

const instance = fc.record(
  {
    uuid: fc.oneof(fc.uuid(), fc.jsonValue()),
    hostname: hostileText,
    keys: fc.oneof(fc.array(fc.record({ name: fc.string(), data: fc.string() })), fc.jsonValue()),
    user_data: fc.oneof(fc.string(), fc.integer()),
    user_data_base64: fc.oneof(fc.base64String(), hostileText),
    fixed_addresses: fc.oneof(fc.array(fc.ipV4()), fc.array(hostileText)),
    launch_index: fc.oneof(fc.nat(), fc.integer({ min: -5, max: -1 }), fc.string()),
    devices: fc.oneof(fc.array(fc.record({ type: fc.constantFrom('nic', 'disk', 'share', 'tape'), bus: fc.constantFrom('pci', 'usb', 'warp') })), fc.jsonValue()),
    network_data: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
  },
  { requiredKeys: ['uuid'] },
);

test('fixtures: any YAML text gives a fixture or a one-line ERR_FIXTURE naming the source', () => {
  const service = fc.record({ max_version: fc.constantFrom('2020-10-14', 'latest', '1999-01-01'), instances: fc.array(instance, { maxLength: 2 }) }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.oneof(hostileText, service.map((value) => dump(value))), (text) => {
      const fixture = typed(() => loadFixtureText(text, 'fixture.yaml'));
      if (fixture === undefined) assert.throws(() => loadFixtureText(text, 'fixture.yaml'), { code: 'ERR_FIXTURE', message: /fixture\.yaml/ });
      else assert.ok(fixture.instances.length > 0);
    }),
    RUNS,
  );
});

// Version negotiation and the capability table: newest known version wins, unknowns and junk are ignored.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MdctlError } from '../../src/core/errors.js';
import { OPENSTACK_VERSIONS, filesAt, metaDataKeysAt, negotiateVersion, parseListing } from '../../src/sources/versions.js';
import { NOVA_FIXTURES } from '../helpers/emulator.js';

const NEGOTIATION: [string, string[], string][] = [
  ['the seed (Zed) index', ['2012-08-10', '2013-04-04', '2015-10-15', '2020-10-14', 'latest'], '2020-10-14'],
  ['a newer Nova', ['2020-10-14', '2025-04-04', 'latest'], '2025-04-04'],
  ['unknown future versions', ['2018-08-27', '2030-01-01', '2099-12-31', 'latest'], '2018-08-27'],
  ['order does not matter', ['latest', '2016-10-06', '2012-08-10', '2013-10-17'], '2016-10-06'],
  ['junk lines', ['<html>', 'garbage 2020-10-14', '2013-04-04', ''], '2013-04-04'],
  ['only unknown versions and latest', ['2031-01-01', 'latest'], 'latest'],
  ['only latest', ['latest'], 'latest'],
  ['the oldest alone', ['2012-08-10'], '2012-08-10'],
];

for (const [name, entries, expected] of NEGOTIATION) {
  test(`negotiation: ${name} -> ${expected}`, () => {
    assert.equal(negotiateVersion(entries, 'GET "/openstack"'), expected);
  });
}

for (const entries of [[], ['2031-01-01'], ['1.0', '2009-04-04', 'junk']]) {
  test(`negotiation: nothing usable in ${JSON.stringify(entries)} -> ERR_INVALID_METADATA`, () => {
    assert.throws(
      () => negotiateVersion(entries, 'GET "/openstack"'),
      (error: unknown) => error instanceof MdctlError && error.code === 'ERR_INVALID_METADATA' && error.message.startsWith('GET "/openstack": '),
    );
  });
}

test('the real Nova index of the seed negotiates 2020-10-14', () => {
  const body = readFileSync(join(NOVA_FIXTURES, 'seed-dhcp', 'openstack', 'index.txt'), 'utf8');
  assert.equal(negotiateVersion(parseListing(body), 'seed'), '2020-10-14');
});

test('parseListing drops blank lines, trims and handles CRLF', () => {
  assert.deepEqual(parseListing('a\r\n\n  b  \nc'), ['a', 'b', 'c']);
});

test('the table lists the ten versions through 2025-04-04, oldest first', () => {
  const versions = OPENSTACK_VERSIONS.map((info) => info.version);
  assert.equal(versions.length, 10);
  assert.deepEqual([...versions].sort(), versions);
  assert.equal(versions[0], '2012-08-10');
  assert.equal(versions.at(-1), '2025-04-04');
});

const FILES: [string, string[]][] = [
  ['2012-08-10', ['meta_data.json', 'user_data']],
  ['2013-04-04', ['meta_data.json', 'user_data', 'password']],
  ['2013-10-17', ['meta_data.json', 'user_data', 'password', 'vendor_data.json']],
  ['2015-10-15', ['meta_data.json', 'user_data', 'password', 'vendor_data.json', 'network_data.json']],
  ['2016-06-30', ['meta_data.json', 'user_data', 'password', 'vendor_data.json', 'network_data.json']],
  ['2016-10-06', ['meta_data.json', 'user_data', 'password', 'vendor_data.json', 'network_data.json', 'vendor_data2.json']],
  ['latest', ['meta_data.json', 'user_data', 'password', 'vendor_data.json', 'network_data.json', 'vendor_data2.json']],
];

for (const [version, files] of FILES) {
  test(`files at ${version}`, () => {
    assert.deepEqual(filesAt(version), files);
  });
}

test('the files of each version match what genuine Nova lists (seed-dhcp has user_data)', () => {
  for (const info of OPENSTACK_VERSIONS.filter((v) => v.version <= '2020-10-14')) {
    const listed = parseListing(readFileSync(join(NOVA_FIXTURES, 'seed-dhcp', 'openstack', info.version, 'index.txt'), 'utf8'));
    assert.deepEqual([...listed].sort(), [...filesAt(info.version)].sort(), info.version);
  }
});

test('meta_data keys accumulate: random_seed from 2013-04-04, project_id from 2015-10-15, dedicated_cpus from 2020-10-14', () => {
  assert.ok(!metaDataKeysAt('2012-08-10').includes('random_seed'));
  assert.ok(metaDataKeysAt('2013-04-04').includes('random_seed'));
  assert.ok(!metaDataKeysAt('2013-10-17').includes('project_id'));
  assert.ok(metaDataKeysAt('2015-10-15').includes('project_id'));
  assert.ok(metaDataKeysAt('2016-06-30').includes('devices'));
  assert.ok(!metaDataKeysAt('2018-08-27').includes('dedicated_cpus'));
  assert.ok(metaDataKeysAt('2020-10-14').includes('dedicated_cpus'));
});

test('the keys of each version match genuine Nova meta_data.json (seed-static)', () => {
  for (const info of OPENSTACK_VERSIONS.filter((v) => v.version <= '2020-10-14')) {
    const doc = JSON.parse(readFileSync(join(NOVA_FIXTURES, 'seed-static', 'openstack', info.version, 'meta_data.json'), 'utf8')) as object;
    const known = new Set(metaDataKeysAt(info.version));
    for (const key of Object.keys(doc)) assert.ok(known.has(key), `${info.version}: ${key} not in the table`);
  }
});

test('an unknown version has no capabilities', () => {
  assert.throws(() => filesAt('2031-01-01'), /not a version mdctl knows/);
});

// Vendor user-data as cloud-init 22.4 reads it: the cloud-init key of vendor_data.json and vendor_data2.json; never a crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVendorData, vendorDataEnabled, vendorPartInfos } from '../../src/model/userdata/vendor.js';

const CONFIG = '#cloud-config\nruncmd: [echo vendor]\n';
const SCRIPT = '#!/bin/sh\necho vendor\n';

test('the cloud-init key of each file: a string or a list; vendor_data.json first, then vendor_data2.json', () => {
  const vendor = parseVendorData({ vendor_data: { 'cloud-init': CONFIG, motd: 'x' }, vendor_data2: { static: { 'cloud-init': 'ignored' }, 'cloud-init': [SCRIPT, CONFIG] } });
  assert.deepEqual(vendor.errors, []);
  assert.deepEqual(
    vendorPartInfos(vendor).map((part) => [part.index, part.type, part.source]),
    [
      [0, 'cloud-config', 'vendor_data.json'],
      [1, 'script', 'vendor_data2.json'],
      [2, 'cloud-config', 'vendor_data2.json'],
    ],
  );
  assert.deepEqual(vendor.parts[0]?.cloudConfig, { runcmd: ['echo vendor'] });
});

test("the static provider's copy under vendor_data2's static key is not read again", () => {
  const vendor = parseVendorData({ vendor_data: null, vendor_data2: { static: { 'cloud-init': CONFIG } } });
  assert.deepEqual(vendor, { parts: [], errors: [] });
});

test('nothing, empty values and files without the key give no parts', () => {
  for (const value of [null, undefined, {}, '', [], { motd: 'hi' }, { 'cloud-init': null }, { 'cloud-init': '' }]) {
    assert.deepEqual(parseVendorData({ vendor_data: value, vendor_data2: null }), { parts: [], errors: [] }, JSON.stringify(value));
  }
  assert.deepEqual(parseVendorData(null), { parts: [], errors: [] });
});

test('values cloud-init refuses are errors naming the file, never a throw', () => {
  const cases: [unknown, RegExp][] = [
    [{ 'cloud-init': { nested: 'map' } }, /^vendor_data\.json: the cloud-init key holds a mapping/],
    [{ 'cloud-init': 42 }, /^vendor_data\.json: the cloud-init key holds a number/],
    [{ 'cloud-init': [CONFIG, 7] }, /^vendor_data\.json: item 1 of the cloud-init list is a number/],
    [{ 'cloud-init': '#cloud-config\n: [' }, /^vendor_data\.json: part 0 \(cloud-config\): malformed YAML/],
    [true, /^vendor_data\.json: the file holds a boolean/],
  ];
  for (const [value, pattern] of cases) {
    const { errors } = parseVendorData({ vendor_data: value, vendor_data2: null });
    assert.equal(errors.length, 1, JSON.stringify(value));
    assert.match(errors[0] ?? '', pattern);
  }
});

test('vendor_data: {enabled: false} turns vendor data off, as cloud-init reads false', () => {
  assert.equal(vendorDataEnabled({}), true);
  assert.equal(vendorDataEnabled({ vendor_data: { enabled: true } }), true);
  assert.equal(vendorDataEnabled({ vendor_data: 'off' }), true);
  for (const off of [false, 'false', 'False', 'no', 'off', '0']) assert.equal(vendorDataEnabled({ vendor_data: { enabled: off } }), false, String(off));
});

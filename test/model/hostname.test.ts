// The hostname policy: short name and FQDN, normalisation, and every refusal naming the value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeHostname } from '../../src/model/hostname.js';

test('short name is the first label, FQDN the whole name', () => {
  assert.deepEqual(normalizeHostname('dvr3-demo12.novalocal'), { short: 'dvr3-demo12', fqdn: 'dvr3-demo12.novalocal' });
  assert.deepEqual(normalizeHostname('web1'), { short: 'web1', fqdn: 'web1' });
});

test('lower-cased, "_" turned into "-", one trailing dot dropped', () => {
  assert.deepEqual(normalizeHostname('My_Host.Example.COM.'), { short: 'my-host', fqdn: 'my-host.example.com' });
});

test('a first label over 63 characters is cut to 63 in both names', () => {
  const long = `${'a'.repeat(70)}.example.com`;
  const { short, fqdn } = normalizeHostname(long);
  assert.equal(short, 'a'.repeat(63));
  assert.equal(fqdn, `${'a'.repeat(63)}.example.com`);
  assert.equal(normalizeHostname(`${'b'.repeat(62)}-cut`).short, 'b'.repeat(62));
});

test('hostile and invalid names are refused with the value quoted on one line', () => {
  const bad = ['a;rm -rf /', 'host\nname', 'two words', 'hôte', '$(reboot)', 'x'.repeat(300), '', '-lead', 'trail-.com', 'a..b', `ok.${'c'.repeat(64)}`, '.'];
  for (const value of bad) {
    assert.throws(
      () => normalizeHostname(value),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_INVALID_VALUE');
        assert.ok(!error.message.includes('\n'), error.message);
        assert.ok(error.message.startsWith(`hostname ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} refused: `), error.message);
        return true;
      },
      value,
    );
  }
});

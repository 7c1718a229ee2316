// The hostname policy: short name and FQDN, normalisation, and every refusal naming the value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseHostnames, normalizeHostname } from '../../src/model/hostname.js';

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

test("chooseHostnames follows cloud-init's get_hostname_fqdn", () => {
  const none = { hostname: null, fqdn: null };
  const meta = 'dvr3-demo12.novalocal';
  // Nothing in cloud-config: the metadata's hostname is both (first label, whole).
  assert.deepEqual(chooseHostnames(meta, none), { short: 'dvr3-demo12', fqdn: meta });
  assert.equal(chooseHostnames(null, none), null);
  // fqdn wins; the short name is cloud-config's hostname when given, else the fqdn's first label.
  assert.deepEqual(chooseHostnames(meta, { hostname: null, fqdn: 'web1.example.org' }), { short: 'web1', fqdn: 'web1.example.org' });
  assert.deepEqual(chooseHostnames(meta, { hostname: 'other', fqdn: 'web1.example.org' }), { short: 'other', fqdn: 'web1.example.org' });
  // A hostname with a dot is both.
  assert.deepEqual(chooseHostnames(meta, { hostname: 'web2.example.net', fqdn: null }), { short: 'web2', fqdn: 'web2.example.net' });
  // A hostname without a dot is the short name; the FQDN stays the metadata's (itself when there is none).
  assert.deepEqual(chooseHostnames(meta, { hostname: 'web3', fqdn: null }), { short: 'web3', fqdn: meta });
  assert.deepEqual(chooseHostnames('plain', { hostname: 'web3', fqdn: null }), { short: 'web3', fqdn: 'plain' });
  assert.deepEqual(chooseHostnames(null, { hostname: 'web3', fqdn: null }), { short: 'web3', fqdn: 'web3' });
  // A leading dot is no dot to cloud-init (find(".") > 0): the name is refused as a short name.
  assert.throws(() => chooseHostnames(meta, { hostname: '.web4', fqdn: null }), { code: 'ERR_INVALID_VALUE' });
});

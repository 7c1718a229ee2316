// Hostname policy against odd names: IDN, trailing dot, IP addresses and all-digit names, uppercase, "_", empty and dot-only names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeHostname } from '../../src/model/hostname.js';

function refused(value: string, why: RegExp): void {
  assert.throws(
    () => normalizeHostname(value),
    (error: Error & { code?: string }) => error.code === 'ERR_INVALID_VALUE' && why.test(error.message) && !error.message.includes('\n'),
    value,
  );
}

test('punycode, a trailing dot, uppercase and "_" are accepted and normalised', () => {
  assert.deepEqual(normalizeHostname('xn--bcher-kva.example.'), { short: 'xn--bcher-kva', fqdn: 'xn--bcher-kva.example' });
  assert.deepEqual(normalizeHostname('Web_01.Example.COM.'), { short: 'web-01', fqdn: 'web-01.example.com' });
  assert.deepEqual(normalizeHostname('123.example.com'), { short: '123', fqdn: '123.example.com' });
  assert.deepEqual(normalizeHostname('localhost'), { short: 'localhost', fqdn: 'localhost' });
});

test('a name resolvers would read as an IP address is refused (RFC 1123 2.1; glibc reads "12345" as 0.0.48.57)', () => {
  refused('10.0.0.5', /looks like an IP address/);
  refused('192.168.1', /looks like an IP address/);
  refused('12345', /looks like an IP address/);
  refused('0x7f.1', /looks like an IP address/);
  refused('::1', /characters other than/);
});

test('empty, dot-only and unicode names are refused with a reason that fits', () => {
  refused('', /empty/);
  refused('.', /empty label/);
  refused('...', /empty label/);
  refused('bücher.example', /characters other than/);
});

// Properties of the hostname policy (model/hostname.ts): only typed refusals, results always RFC 1123, idempotent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalizeHostname } from '../../src/model/hostname.js';
import { RUNS, hostileText, typed } from './typed.js';

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Names that look like hostnames, with the things Nova lets through: "_", upper case, long labels, a trailing dot. */
const nameLike = fc
  .array(fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/), { minLength: 1, maxLength: 5 })
  .chain((labels) => fc.boolean().map((dot) => `${labels.join('.')}${dot ? '.' : ''}`));

/** What hostile metadata puts there: shell syntax, spaces, newlines, 300 characters, unicode. */
const hostile = fc.oneof(
  hostileText,
  nameLike.map((name) => `${name};reboot`),
  nameLike.map((name) => `$(touch /tmp/x)${name}`),
  nameLike.map((name) => `${name} ${name}`),
  nameLike.map((name) => `${name}\n127.0.0.1 evil`),
  fc.constant('a'.repeat(300)),
  fc.constantFrom('höst.example', 'ホスト', 'xn--hst-sna.example', 'host\u202etxt'),
);

function check(pair: { short: string; fqdn: string }): void {
  const labels = pair.fqdn.split('.');
  assert.equal(labels[0], pair.short);
  assert.ok(pair.fqdn.length <= 253);
  for (const label of labels) assert.match(label, LABEL);
  assert.ok(pair.short.length <= 63);
}

test('normalizeHostname refuses with a one-line ERR_INVALID_VALUE or returns a valid RFC 1123 name', () => {
  fc.assert(
    fc.property(fc.oneof(hostile, nameLike), (value) => {
      const pair = typed(() => normalizeHostname(value));
      if (pair === undefined) {
        assert.throws(() => normalizeHostname(value), { code: 'ERR_INVALID_VALUE' });
        return;
      }
      check(pair);
      assert.doesNotMatch(pair.fqdn, /[\s;$()`'"\\]/);
    }),
    RUNS,
  );
});

test('normalizing an accepted name again changes nothing', () => {
  fc.assert(
    fc.property(nameLike, (value) => {
      const pair = typed(() => normalizeHostname(value));
      if (pair === undefined) return;
      assert.deepEqual(normalizeHostname(pair.fqdn), pair);
      assert.deepEqual(normalizeHostname(pair.fqdn.toUpperCase()), pair);
    }),
    RUNS,
  );
});

test('valid DNS names are always accepted, lower-cased, trailing dot dropped', () => {
  fc.assert(
    fc.property(fc.domain(), fc.boolean(), (domain, dot) => {
      const pair = normalizeHostname(`${domain}${dot ? '.' : ''}`);
      assert.equal(pair.fqdn, domain.toLowerCase());
      check(pair);
    }),
    RUNS,
  );
});

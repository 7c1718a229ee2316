// The host_keys config key: types and regenerate, both optional, checked strictly by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/config.js';

test('host_keys: types and regenerate, each optional, defaults for the other; duplicates dropped', () => {
  assert.deepEqual(parseConfig({ host_keys: { types: ['ed25519'] } }, 'c').host_keys, { types: ['ed25519'], regenerate: true });
  assert.deepEqual(parseConfig({ host_keys: { regenerate: false } }, 'c').host_keys, { types: ['ed25519', 'ecdsa', 'rsa'], regenerate: false });
  assert.deepEqual(parseConfig({ host_keys: { types: ['rsa', 'rsa', 'ecdsa'], regenerate: true } }, 'c').host_keys, { types: ['rsa', 'ecdsa'], regenerate: true });
  assert.deepEqual(parseConfig({ host_keys: {} }, 'c').host_keys, { types: ['ed25519', 'ecdsa', 'rsa'], regenerate: true });
  assert.equal(parseConfig({}, 'c').host_keys, undefined);
});

test('anything else under host_keys is refused naming the key (ERR_CONFIG, one line)', () => {
  const cases: [unknown, RegExp][] = [
    [null, /"host_keys" must be a mapping with types and regenerate/],
    [['ed25519'], /"host_keys" must be a mapping/],
    [{ regenerate: 'no' }, /"host_keys\.regenerate" must be true or false/],
    [{ types: 'ed25519' }, /"host_keys\.types" must be a list of non-empty strings/],
    [{ types: [] }, /"host_keys\.types" must list key types among ed25519, ecdsa, rsa/],
    [{ types: ['dsa'] }, /"host_keys\.types" must list key types among ed25519, ecdsa, rsa/],
    [{ types: ['ed25519'], keep: true }, /"host_keys\.keep" is not a known key \(types, regenerate\)/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(
      () => parseConfig({ host_keys: value }, '/etc/mdctl/config.yaml'),
      (error: Error & { code?: string }) => error.code === 'ERR_CONFIG' && pattern.test(error.message) && !error.message.includes('\n'),
      JSON.stringify(value),
    );
  }
});

// The config key `network: {renderer: auto|networkd|networkmanager|none}`: each value accepted, anything else refused by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NETWORK_RENDERERS, parseConfig } from '../../src/config/config.js';

test('network.renderer takes auto, networkd, networkmanager and none; an empty mapping means auto', () => {
  for (const renderer of NETWORK_RENDERERS) assert.deepEqual(parseConfig({ network: { renderer } }, '/c.yaml').network, { renderer });
  assert.deepEqual(parseConfig({ network: {} }, '/c.yaml').network, { renderer: 'auto' });
  assert.equal(parseConfig({}, '/c.yaml').network, undefined);
});

test('anything else under network is refused, naming the key', () => {
  const cases: [unknown, RegExp][] = [
    [{ network: 'networkd' }, /"network" must be a mapping \(renderer\)/],
    [{ network: ['networkd'] }, /"network" must be a mapping/],
    [{ network: { renderer: 'ifupdown' } }, /"network\.renderer" must be one of auto, networkd, networkmanager, none/],
    [{ network: { renderer: null } }, /"network\.renderer" must be one of/],
    [{ network: { render: 'networkd' } }, /"network\.render" is not a known key \(network keys: renderer\)/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(() => parseConfig(value, '/c.yaml'), (error: Error & { code?: string }) => error.code === 'ERR_CONFIG' && pattern.test(error.message), JSON.stringify(value));
  }
});

// Plugin loading against hostile modules: an import that never finishes, a default export whose getters throw, a module that throws a non-Error.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { loadPlugins } from '../../src/appliers/plugins.js';
import { makeRoot, removeRoots } from './root.js';

after(removeRoots);

test('a plugin whose import never finishes, whose export throws when read, or that throws a non-Error is a failure by name; good ones load', async () => {
  const dir = makeRoot({
    'hang.mjs': 'await new Promise(() => {});\nexport default {};\n',
    'getter.mjs': "export default { get id() { throw new Error('boom'); } };\n",
    'string.mjs': "throw 'just a string';\n",
    'good.mjs': "export default { id: 'motd', description: 'd', async plan() { return []; }, async apply() {} };\n",
  });
  const { appliers, failures } = await loadPlugins(
    ['hang.mjs', 'getter.mjs', 'string.mjs', 'good.mjs'].map((name) => ({ name: `./${name}`, baseDir: dir })),
    ['hostname'],
    200,
  );
  assert.deepEqual(
    appliers.map((applier) => applier.id),
    ['motd'],
  );
  assert.deepEqual(
    failures.map((failure) => failure.message),
    [
      'plugin "./hang.mjs" failed to load: "import did not finish within 0.2 s"',
      'plugin "./getter.mjs" is not an applier: reading its default export threw "boom"',
      'plugin "./string.mjs" failed to load: "just a string"',
    ],
  );
});

// Plugin loading: by path (relative to a base dir) or package name; broken plugins come back as failures by name.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applierShapeProblem, loadPlugin, loadPlugins, moduleSpecifier } from '../../src/appliers/plugins.js';
import { makeRoot, removeRoots } from './root.js';

after(removeRoots);

const GOOD = `export default { id: 'motd', description: 'd', async plan() { return []; }, async apply() {} };\n`;

test('paths resolve against the base dir; bare names stay package names', () => {
  assert.equal(moduleSpecifier('./p.mjs', '/etc/mdctl'), 'file:///etc/mdctl/p.mjs');
  assert.equal(moduleSpecifier('/opt/p.mjs', '/etc/mdctl'), 'file:///opt/p.mjs');
  assert.equal(moduleSpecifier('mdctl-plugin-x', '/etc/mdctl'), 'mdctl-plugin-x');
});

test('the default export must look like an Applier', () => {
  assert.equal(applierShapeProblem({ id: 'ok', description: '', plan() {}, apply() {} }), null);
  assert.match(applierShapeProblem(undefined) ?? '', /not an object/);
  assert.match(applierShapeProblem({ id: 'UPPER', description: '', plan() {}, apply() {} }) ?? '', /id must be/);
  assert.match(applierShapeProblem({ id: 'x', description: '', apply() {} }) ?? '', /plan must be a function/);
  assert.match(applierShapeProblem({ id: 'x', description: '', plan() {}, apply() {}, remember: 1 }) ?? '', /remember must be a function/);
});

test('good plugins load; failures name the module; taken ids are refused', async () => {
  const dir = makeRoot({ 'good.mjs': GOOD, 'throws.mjs': 'throw new Error("at import");\n', 'none.mjs': 'export const x = 1;\n', 'clash.mjs': GOOD.replace("'motd'", "'hostname'") });
  assert.equal((await loadPlugin('./good.mjs', dir)).id, 'motd');
  const { appliers, failures } = await loadPlugins(
    ['good.mjs', 'throws.mjs', 'none.mjs', 'clash.mjs', 'good.mjs', 'missing.mjs'].map((name) => ({ name: join(dir, name), baseDir: '/' })),
    ['hostname'],
  );
  assert.deepEqual(
    appliers.map((a) => a.id),
    ['motd'],
  );
  assert.deepEqual(
    failures.map((f) => f.message.replace(dir, 'DIR')),
    [
      'plugin "DIR/throws.mjs" failed to load: "at import"',
      'plugin "DIR/none.mjs" is not an applier: the default export is not an object',
      'plugin "DIR/clash.mjs" uses the applier id "hostname", which is taken',
      'plugin "DIR/good.mjs" uses the applier id "motd", which is taken',
      failures[4]?.message.replace(dir, 'DIR') ?? '',
    ],
  );
  assert.match(failures[4]?.message ?? '', /^plugin ".*missing\.mjs" failed to load: "Cannot find module/);
  await assert.rejects(loadPlugin('mdctl-no-such-plugin-package', dir), (error: Error & { code?: string }) => error.code === 'ERR_PLUGIN');
});

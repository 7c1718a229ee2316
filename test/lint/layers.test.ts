// The import rules of the layers are lint errors: a wrong-way import, static or dynamic, fails `npm run lint`.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The project's own lint configuration for the layer rules alone: the rules that need type
 * information are off, so no TypeScript program is built (slow, and beside the point here).
 */
const LAYERS_ONLY: ESLint.Options = {
  cwd: REPO,
  overrideConfig: {
    languageOptions: { parserOptions: { project: null } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off', '@typescript-eslint/await-thenable': 'off' },
  },
};

/** The layer rule messages ESLint gives `file` (a real source file) with `extra` appended to its text; a file that does not parse fails the test. */
async function layerErrors(file: string, extra: string): Promise<string[]> {
  const eslint = new ESLint(LAYERS_ONLY);
  const text = `${await readFile(join(REPO, file), 'utf8')}\n${extra}\n`;
  const [result] = await eslint.lintText(text, { filePath: join(REPO, file) });
  const messages = result?.messages ?? [];
  const fatal = messages.find((message) => message.fatal === true);
  assert.equal(fatal, undefined, `${file}: ${fatal?.message ?? ''}`);
  return messages.filter((message) => message.ruleId === 'no-restricted-imports' || message.ruleId === 'no-restricted-syntax').map((message) => message.message);
}

test('the source files lint clean of layer errors as they are', async () => {
  assert.deepEqual(await layerErrors('src/model/hostname.ts', ''), []);
});

test('model importing the HTTP client or the file system layer is an error', async () => {
  const errors = await layerErrors('src/model/hostname.ts', "export { createClient } from '../net/http.js';\nimport '../system/files.js';");
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.match(errors[0] ?? '', /src\/model\/ may import only core/);
});

test('core importing anything of src is an error, and so is a dynamic import', async () => {
  const errors = await layerErrors('src/core/errors.ts', "export const loaded = () => import('../cli/output.js');");
  assert.deepEqual(errors, ['src/core/ may import only itself (docs/architecture.md)']);
});

test('appliers importing sources or the network, and sources importing appliers, are errors', async () => {
  assert.equal((await layerErrors('src/appliers/hostname.ts', "import '../sources/select.js';\nimport '../net/http.js';")).length, 2);
  assert.equal((await layerErrors('src/sources/select.ts', "import '../appliers/runner.js';")).length, 1);
});

test('a feature importing the CLI is an error; the CLI importing a feature is not', async () => {
  assert.equal((await layerErrors('src/doctor/walk.ts', "import '../cli/output.js';")).length, 1);
  assert.deepEqual(await layerErrors('src/cli/commands/doctor.ts', "import '../../doctor/walk.js';"), []);
});

// Lint configuration: typescript-eslint's recommended and promise rules, and the layers of docs/architecture.md as import rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The folders of src/, and which of them each one may import (besides itself and node's modules). */
const LAYERS = {
  core: [],
  model: ['core'],
  net: ['core'],
  system: ['core'],
  cache: ['core', 'model', 'system'],
  config: ['core', 'system'],
  emulator: ['core'],
  sources: ['core', 'model', 'net', 'system', 'cache', 'config'],
  appliers: ['core', 'model', 'system', 'cache', 'config'],
  status: ['core', 'model', 'system', 'cache'],
  install: ['core', 'system', 'config'],
  doctor: ['core', 'model', 'net', 'system', 'cache', 'config', 'sources'],
  validate: ['core', 'model', 'net', 'system', 'cache', 'config', 'sources', 'appliers', 'emulator', 'install'],
};
const FOLDERS = [...Object.keys(LAYERS), 'cli'];

/** The import rules of one folder: a static or dynamic import of a folder it may not use is an error. */
function layerRules(folder, allowed) {
  const denied = FOLDERS.filter((name) => name !== folder && !allowed.includes(name));
  const pattern = `^(\\.\\./)+(${denied.join('|')})/`;
  const message = `src/${folder}/ may import only ${allowed.length === 0 ? 'itself' : allowed.join(', ')} (docs/architecture.md)`;
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: pattern, message }] }],
      'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/${pattern.replace(/\//g, '\\/')}/]`, message }],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test(), describe() and it() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  ...Object.entries(LAYERS).map(([folder, allowed]) => layerRules(folder, allowed)),
  {
    files: ['src/cli/**/*.ts', 'test/**/*.ts', 'test/**/*.mjs', 'tools/**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);

// tools/dead-exports.mjs (part of `npm run lint`) fails on an export that no other file uses, and passes the ones used at run time by name.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const TOOL = fileURLToPath(new URL('../../../tools/dead-exports.mjs', import.meta.url));

const PROJECT: Record<string, string> = {
  'package.json': '{ "type": "module" }\n',
  'tsconfig.test.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [] }, include: ['src', 'test'] }),
  'src/core/values.ts': [
    'export const used = 1;',
    'export const tested = 2;',
    'export const dead = 3;',
    'export interface OnlyHere { n: number }',
    'export function twice(value: OnlyHere): number { return value.n * 2; }',
    '',
  ].join('\n'),
  'src/model/user.ts': "import { twice, used } from '../core/values.js';\nexport const result = twice({ n: used });\n",
  'src/cli/main.ts': "import { result } from '../model/user.js';\nconsole.log(result);\n",
  'src/cli/commands/hello.ts': 'export function run(): number { return 0; }\nexport function helper(): number { return 1; }\n',
  'src/cli/embedded.ts': 'export function main(): number { return 0; }\n',
  'test/core/values.test.ts': "import { tested } from '../../src/core/values.js';\nconsole.log(tested);\n",
};

test('an export no other file uses fails the check, by file and name; one used only by tests or by name at run time does not', async () => {
  const root = await mkdtemp(join(tmpdir(), 'mdctl-exports-'));
  try {
    for (const [path, text] of Object.entries(PROJECT)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [TOOL, root], (error, _stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number), stderr }));
    });
    assert.equal(result.code, 1);
    const named = result.stderr.split('\n').filter((line) => line !== '').map((line) => /^dead export: (\S+ \S+) /.exec(line)?.[1]);
    assert.deepEqual(named, ['src/cli/commands/hello.ts helper', 'src/core/values.ts OnlyHere', 'src/core/values.ts dead']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

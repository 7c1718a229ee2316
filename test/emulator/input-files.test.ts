// The emulator's and the config file's readers on hostile inputs: a FIFO, /dev/zero, a huge sparse file, an alias bomb.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { expandsBeyond } from '../../src/core/expanded.js';
import { loadFaultsFile } from '../../src/emulator/faults.js';
import { loadFixtureFile, loadFixtureText } from '../../src/emulator/fixture.js';
import { MAX_INPUT_BYTES } from '../../src/emulator/yamlcheck.js';
import { makeRoot, removeRoots } from '../appliers/root.js';
import { runCli } from '../helpers/cli.js';

after(removeRoots);

/** A 1 KB fixture whose user-data would be 10^7 copies of a string once its aliases are expanded. */
function laughs(): string {
  const lines = ['instances:', '  - uuid: 83679162-1378-4288-a2d4-70e13ec132aa', '    vendor_data:', '      a: &a ["lol lol lol lol lol lol lol", "lol lol lol lol lol lol lol"]'];
  for (const [index, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h'].entries()) {
    const previous = index === 0 ? 'a' : ['b', 'c', 'd', 'e', 'f', 'g'][index - 1];
    lines.push(`      ${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

function hostileFiles(): Record<string, string> {
  const dir = makeRoot();
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const sparse = join(dir, 'sparse.yaml');
  writeFileSync(sparse, '');
  truncateSync(sparse, MAX_INPUT_BYTES + 1);
  return { fifo, sparse, zero: '/dev/zero', dir };
}

test('a fixture or fault file that is a FIFO, /dev/zero, a directory or over the cap is refused at once, never read', async () => {
  const files = hostileFiles();
  for (const [name, load] of [['fixture', loadFixtureFile], ['faults', loadFaultsFile]] as const) {
    const code = name === 'fixture' ? 'ERR_FIXTURE' : 'ERR_USAGE';
    await assert.rejects(load(files.fifo!), { code, message: `${files.fifo}: not a regular file` });
    await assert.rejects(load(files.zero!), { code, message: '/dev/zero: not a regular file' });
    await assert.rejects(load(files.dir!), { code, message: `${files.dir}: not a regular file` });
    await assert.rejects(load(files.sparse!), { code, message: `${files.sparse}: ${MAX_INPUT_BYTES + 1} bytes, over ${MAX_INPUT_BYTES}` });
  }
});

test('a 1 KB fixture of aliases that would answer tens of MB is refused; anchors of ordinary size are fine', () => {
  const bomb = laughs();
  assert.ok(bomb.length < 1024);
  assert.throws(() => loadFixtureText(bomb, 'bomb.yaml'), { code: 'ERR_FIXTURE', message: 'bomb.yaml: its aliases expand to far more than the file holds; refused' });
  const shared = 'instances:\n  - uuid: a\n    meta: &m {role: web, tier: front}\n  - uuid: b\n    meta: *m\n';
  assert.equal(loadFixtureText(shared, 'shared.yaml').instances[1]?.meta.role, 'web');
});

test('an alias inside its own anchor, and a deep bomb, exceed any limit after bounded work', () => {
  const cycle: unknown[] = [];
  cycle.push(cycle);
  assert.equal(expandsBeyond(cycle, 1e9), true);
  let value: unknown = 'x';
  for (let level = 0; level < 40; level += 1) value = [value, value];
  assert.equal(expandsBeyond(value, 1e6), true);
  assert.equal(expandsBeyond({ a: ['bc', 'd'] }, 8), false);
  assert.equal(expandsBeyond({ a: ['bc', 'd'] }, 7), true);
});

test('mdctl serve --fixture on a FIFO exits 2 at once with one line', async () => {
  const { fifo } = hostileFiles();
  const result = await runCli(['serve', '--fixture', fifo!, '--port', '0'], { timeoutMs: 10_000 });
  assert.equal(result.status, 2, result.stderr);
  assert.equal(result.stderr, `mdctl: ${fifo}: not a regular file\n`);
});

test('the config file: a FIFO, /dev/zero, an oversized file or an alias bomb is ERR_CONFIG, never a hang', async () => {
  const files = hostileFiles();
  await assert.rejects(loadConfig(files.fifo!), { code: 'ERR_CONFIG', message: `config "${files.fifo}": cannot read: not a regular file` });
  await assert.rejects(loadConfig('/dev/zero'), { code: 'ERR_CONFIG', message: 'config "/dev/zero": cannot read: not a regular file' });
  await assert.rejects(loadConfig(files.sparse!), { code: 'ERR_CONFIG', message: new RegExp(`cannot read: ${MAX_INPUT_BYTES + 1} bytes, over 1048576`) });
  const bomb = join(files.dir!, 'bomb.yaml');
  writeFileSync(bomb, laughs().replace('instances:', 'x:'));
  await assert.rejects(loadConfig(bomb), { code: 'ERR_CONFIG', message: /its aliases expand to far more than the file holds/ });
});

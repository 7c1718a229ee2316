// `npm pack` from a clean tree (no dist/) builds first; the tarball installed offline into an empty prefix gives a working mdctl and its man page.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { VERSION } from '../../src/cli/version.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** What a fresh clone does not have: built output, installed packages, git's own files. */
const NOT_IN_A_CLEAN_TREE = new Set(['dist', 'build', 'node_modules', '.git']);

/** The environment without the npm_* variables of an enclosing `npm test`, so only our flags steer npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

interface PackResult {
  filename: string;
  files: { path: string; mode: number }[];
}

/** A copy of the source tree with no dist/ and no build/; node_modules is the repository's (as after `npm ci`). */
async function cleanTree(base: string): Promise<string> {
  const tree = join(base, 'tree');
  await mkdir(tree);
  for (const entry of await readdir(REPO)) {
    if (!NOT_IN_A_CLEAN_TREE.has(entry) && !entry.endsWith('.tgz')) await cp(join(REPO, entry), join(tree, entry), { recursive: true });
  }
  await symlink(join(REPO, 'node_modules'), join(tree, 'node_modules'));
  return tree;
}

describe('npm pack from a clean tree, and install into an empty prefix', { timeout: 180_000 }, () => {
  let base = '';
  let tree = '';
  let packed: PackResult;
  let prefix = '';
  let emulator: Emulator | undefined;
  const mdctl = (): string => join(prefix, 'bin', 'mdctl');

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'mdctl-pack-'));
    tree = await cleanTree(base);
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', base], { cwd: tree, env: cleanEnv(), maxBuffer: 16 << 20 });
    // prepack's build logs on stdout before npm's JSON.
    [packed] = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as [PackResult];
    prefix = join(base, 'prefix');
    // Offline: the package has no dependencies to fetch, so no registry is asked.
    await run('npm', ['install', '--global', '--offline', '--prefix', prefix, '--no-audit', '--no-fund', join(base, packed.filename)], {
      cwd: base,
      env: cleanEnv(),
    });
    emulator = await startEmulator();
  });

  after(async () => {
    await emulator?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('builds the single file before packing, and packs it with the launcher, the man page and the README only', () => {
    const paths = packed.files.map((f) => f.path).sort();
    assert.deepEqual(paths, ['README.md', 'bin/mdctl.js', 'dist/mdctl.mjs', 'man/mdctl.1', 'package.json']);
    assert.equal(packed.files.find((f) => f.path === 'bin/mdctl.js')?.mode, 0o755);
  });

  it('declares no dependencies and installs none: every package the program loads is inside the single file', async () => {
    const manifest = JSON.parse(await readFile(join(tree, 'package.json'), 'utf8')) as { dependencies?: object; engines: { node: string } };
    assert.equal(manifest.dependencies, undefined);
    assert.equal(manifest.engines.node, '>=18');
    const installed = join(prefix, 'lib', 'node_modules', 'mdctl');
    assert.ok((await stat(join(installed, 'dist', 'mdctl.mjs'))).isFile());
    await assert.rejects(stat(join(installed, 'node_modules')), { code: 'ENOENT' });
  });

  it('installs a mdctl that runs: --version, and a fetch and a get against the emulator', async () => {
    const env = { PATH: process.env.PATH, NO_COLOR: '1' };
    const version = await run(mdctl(), ['--version'], { env });
    assert.equal(version.stdout, `${VERSION}\n`);
    const cacheDir = join(base, 'cache');
    await run(mdctl(), ['fetch', '--endpoint', emulator?.url ?? '', '--cache-dir', cacheDir], { env });
    const got = await run(mdctl(), ['get', 'hostname', '--cache-dir', cacheDir], { env });
    assert.equal(got.stdout, 'dvr3-demo12.novalocal\n');
  });

  it('installs the man page where man finds it', async () => {
    assert.deepEqual(await readdir(join(prefix, 'share', 'man', 'man1')), ['mdctl.1']);
    const installed = await readFile(join(prefix, 'share', 'man', 'man1', 'mdctl.1'), 'utf8');
    assert.equal(installed, await readFile(join(REPO, 'man', 'mdctl.1'), 'utf8'));
    const { stdout } = await run('man', ['--manpath', join(prefix, 'share', 'man'), '-P', 'cat', 'mdctl'], {
      env: { PATH: process.env.PATH, MANWIDTH: '80', LANG: 'C.UTF-8' },
    });
    assert.match(stdout, /mdctl - guest-side OpenStack metadata client/);
  });
});

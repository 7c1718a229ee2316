// `npm pack`, then installing that tarball into an empty prefix, gives a working mdctl and its man page.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { VERSION } from '../../src/cli/version.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The environment without the npm_* variables of an enclosing `npm test`, so only our flags steer npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

interface PackResult {
  filename: string;
  files: { path: string; mode: number }[];
}

describe('npm pack and install into an empty prefix', { timeout: 120_000 }, () => {
  let base = '';
  let packed: PackResult;
  let prefix = '';

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'mdctl-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', base], { cwd: REPO, env: cleanEnv() });
    [packed] = JSON.parse(stdout) as [PackResult];
    prefix = join(base, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', join(base, packed.filename)], {
      cwd: base,
      env: cleanEnv(),
    });
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('packs the launcher, the build, the man page and the README, and no sources, tests or code cache', () => {
    const paths = packed.files.map((f) => f.path);
    for (const path of ['package.json', 'README.md', 'bin/mdctl.js', 'dist/mdctl.mjs', 'dist/cli/main.js', 'dist/cli/spec.js', 'man/mdctl.1']) {
      assert.ok(paths.includes(path), path);
    }
    assert.deepEqual(
      // The code cache belongs to the Node that made it: each installation makes its own.
      paths.filter((p) => /^(src|test|build|node_modules|\.ci)\//.test(p) || p.endsWith('.v8cache')),
      [],
    );
    assert.equal(packed.files.find((f) => f.path === 'bin/mdctl.js')?.mode, 0o755);
  });

  it('installs a mdctl that runs', async () => {
    const version = await run(join(prefix, 'bin', 'mdctl'), ['--version'], { env: { PATH: process.env.PATH, NO_COLOR: '1' } });
    assert.equal(version.stdout, `${VERSION}\n`);
    const completion = await run(join(prefix, 'bin', 'mdctl'), ['completion', 'bash'], { env: { PATH: process.env.PATH } });
    assert.match(completion.stdout, /^complete -F \S+ mdctl$/m);
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

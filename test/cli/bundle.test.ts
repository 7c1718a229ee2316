// The single-file build: runs from an empty directory with no node_modules, has every command, and fetches from the emulator.
import { execFile, spawn } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { promisify } from 'node:util';
import { COMMANDS } from '../../src/cli/spec.js';
import { VERSION } from '../../src/cli/version.js';
import { runCli } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('npm run bundle (dist/mdctl.mjs)', () => {
  let base = '';
  let alone = '';
  let bundle = '';
  let emulator: Emulator | undefined;

  /** Runs the copied bundle with plain node, from its empty directory, with no NODE_PATH. */
  function runBundle(args: string[]): Promise<Result> {
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [bundle, ...args],
        { cwd: alone, env: { PATH: process.env.PATH, NO_COLOR: '1' }, timeout: 30_000 },
        (error, stdout, stderr) => {
          if (error !== null && typeof error.code !== 'number') reject(error);
          else resolve({ status: error === null ? 0 : (error.code as number), stdout, stderr });
        },
      );
    });
  }

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'mdctl-bundle-'));
    const built = join(base, 'build', 'mdctl.mjs');
    await mkdir(join(base, 'build'));
    await execFileAsync(process.execPath, [join(REPO, 'tools', 'bundle.mjs'), built]);
    alone = join(base, 'alone');
    await mkdir(alone);
    bundle = join(alone, 'mdctl.mjs');
    await copyFile(built, bundle);
  });

  after(async () => {
    await emulator?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('is one file that imports nothing but Node built-ins', async () => {
    assert.deepEqual(await readdir(alone), ['mdctl.mjs']);
    assert.ok((await readFile(bundle, 'utf8')).startsWith('#!/usr/bin/env node\n'));
    // esbuild resolves every static and literal dynamic import of the file: any package left would be an input (or an error).
    const analysis = await build({
      entryPoints: [bundle],
      absWorkingDir: alone,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    assert.deepEqual(Object.keys(analysis.metafile.inputs), ['mdctl.mjs']);
  });

  it('carries every command module full.ts loads lazily, in the full program at its end', async () => {
    const text = await readFile(bundle, 'utf8');
    const marker = text.lastIndexOf('\n/* mdctl full program:\n');
    assert.ok(marker > 0 && text.endsWith('*/\n'));
    const [direct, full] = [text.slice(0, marker), text.slice(marker)];
    const modules = (await readdir(join(REPO, 'dist', 'cli', 'commands'))).filter((name) => name.endsWith('.js'));
    assert.ok(modules.length > 0);
    for (const name of modules) assert.ok(full.includes(`"./commands/${name}":()=>`), name);
    // The direct path before it is mdctl's own modules and Node built-ins only: no package, no command.
    const sources = [...direct.matchAll(/^\/\/ (\S+)$/gm)].map((match) => match[1] ?? '');
    assert.ok(sources.includes('dist/cli/direct.js') && sources.includes('dist/cache/cache.js'), sources.join(' '));
    assert.deepEqual(
      sources.filter((source) => !/^(dist\/(cli|cache|core|model|system)\/[a-z-]+\.js|builtin:node:[a-z/_]+)$/.test(source) || /\/(full|program|output|fetcher)\.js$/.test(source)),
      [],
    );
  });

  it('keeps a V8 code cache beside itself, made by the first run and grown by the first run of each command', async () => {
    const cache = `${bundle}.v8cache`;
    await rm(cache, { force: true });
    const header = async () => (await readFile(cache)).subarray(0, 200).toString('latin1').split('\n')[0] ?? '';
    assert.equal((await runBundle(['--version'])).status, 0);
    assert.match(await header(), /^mdctl-v8-code-cache [0-9a-f]{16}\/__scriptUrl\/__importModule node-v\d+\.\d+\.\d+ \w+ parts=$/);
    assert.equal((await runBundle(['completion', 'bash'])).status, 0);
    assert.match(await header(), / parts=completion$/);
    const before = await readFile(cache);
    assert.equal((await runBundle(['completion', 'bash'])).status, 0);
    assert.deepEqual(await readFile(cache), before, 'a run that adds nothing leaves the cache alone');
    // A cache of another build (or a broken one) is never used: the run compiles and writes a good one.
    await writeFile(cache, `mdctl-v8-code-cache 0000000000000000/__scriptUrl/__importModule node-${process.version} ${process.arch} parts=completion\ngarbage`);
    assert.equal((await runBundle(['completion', 'bash'])).status, 0);
    assert.match(await header(), /^mdctl-v8-code-cache (?!0{16})[0-9a-f]{16}\/.* parts=completion$/);
    await writeFile(cache, (await readFile(cache)).subarray(0, 300));
    const truncated = await runBundle(['completion', 'bash']);
    assert.equal(truncated.status, 0, truncated.stderr);
    assert.ok((await readFile(cache)).length > 300);
    // A cache someone else owns, or anyone may write, is code that is not ours: it is never run, and the run writes its own.
    await chown(cache, 65534, 65534);
    assert.equal((await runBundle(['completion', 'bash'])).status, 0);
    assert.equal((await stat(cache)).uid, process.geteuid?.());
    await chmod(cache, 0o666);
    assert.equal((await runBundle(['completion', 'bash'])).status, 0);
    assert.equal((await stat(cache)).mode & 0o777, 0o644);
    assert.deepEqual((await readdir(alone)).sort(), ['mdctl.mjs', 'mdctl.mjs.v8cache']);
  });

  it('prints the version and the help on plain node with no node_modules', async () => {
    const version = await runBundle(['--version']);
    assert.deepEqual(version, { status: 0, stdout: `${VERSION}\n`, stderr: '' });
    const help = await runBundle(['--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const command of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${command.name}\\b`, 'm'));
  });

  it('loads a command module and maps errors to exit statuses', async () => {
    const completion = await runBundle(['completion', 'bash']);
    assert.equal(completion.status, 0, completion.stderr);
    assert.match(completion.stdout, /^complete -F \S+ mdctl$/m);
    const usage = await runBundle(['completion', 'fish']);
    assert.deepEqual(usage, { status: 2, stdout: '', stderr: 'mdctl: completion: unknown shell "fish" (supported: bash)\n' });
  });

  it('fetches from the emulator the same document as the regular build', async () => {
    emulator ??= await startEmulator();
    const cacheA = join(base, 'cache-bundle');
    const cacheB = join(base, 'cache-dist');
    const fromBundle = await runBundle(['fetch', '--endpoint', emulator.url, '--cache-dir', cacheA, '--json']);
    assert.equal(fromBundle.status, 0, fromBundle.stderr);
    const fromDist = await runCli(['fetch', '--endpoint', emulator.url, '--cache-dir', cacheB, '--json']);
    assert.equal(fromDist.status, 0, fromDist.stderr);
    const strip = (json: string) => {
      const doc = JSON.parse(json) as { source: { fetched_at?: string }; random_seed?: unknown; openstack?: { meta_data?: { random_seed?: unknown } } };
      delete doc.source.fetched_at;
      delete doc.random_seed;
      delete doc.openstack?.meta_data?.random_seed;
      return doc;
    };
    const doc = strip(fromBundle.stdout) as unknown as { instance_id: string; hostname: string };
    assert.equal(doc.instance_id, '795fed3a-431a-4b89-bd80-ffac22196e72');
    assert.deepEqual(doc, strip(fromDist.stdout));

    const hostname = await runBundle(['get', 'hostname', '--cache-dir', cacheA]);
    assert.deepEqual(hostname, { status: 0, stdout: `${doc.hostname}\n`, stderr: '' });
  });

  it('carries the license of every npm package built into it', async () => {
    const text = await readFile(bundle, 'utf8');
    const start = text.indexOf('\n/* The npm packages built into this file, and their licenses.\n');
    assert.ok(start > 0 && start < text.lastIndexOf('\n/* mdctl full program:\n'));
    const notice = text.slice(start, text.indexOf('\n*/\n', start));
    for (const name of ['got', 'commander', 'chalk', 'ora', 'js-yaml', '@sindresorhus/is']) {
      const { version } = JSON.parse(await readFile(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
      assert.match(notice, new RegExp(`(^|, )${name.replace('/', '\\/')} ${version.replaceAll('.', '\\.')}(, |:\n)`, 'm'), name);
    }
    assert.match(notice, /Permission is hereby granted, free of charge/);
  });

  it('applies from the cache into a root, loading a plugin applier from outside the bundle', async () => {
    emulator ??= await startEmulator();
    const cache = join(base, 'cache-apply');
    const root = join(base, 'apply-root');
    await mkdir(root);
    const plugin = join(base, 'touch.mjs');
    await writeFile(
      plugin,
      [
        "import { writeFile } from 'node:fs/promises';",
        "import { join } from 'node:path';",
        'export default {',
        "  id: 'touch',",
        "  description: 'writes /touched',",
        "  async plan() { return [{ applier: 'touch', action: 'create', target: '/touched', summary: 'write /touched' }]; },",
        "  async apply(_change, ctx) { await writeFile(join(ctx.root, 'touched'), 'yes\\n'); },",
        '};',
        '',
      ].join('\n'),
    );
    const fetched = await runBundle(['fetch', '--endpoint', emulator.url, '--cache-dir', cache, '--quiet']);
    assert.equal(fetched.status, 0, fetched.stderr);
    const common = ['--cache-dir', cache, '--state-dir', join(base, 'state'), '--root', root, '--no-live', '--only', 'hostname,touch'];
    const applied = await runBundle(['apply', ...common, '--applier', plugin]);
    assert.equal(applied.status, 0, applied.stderr);
    assert.equal(await readFile(join(root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
    assert.equal(await readFile(join(root, 'touched'), 'utf8'), 'yes\n');
  });

  it('serves the emulator itself, and fetches from it', async () => {
    const server = spawn(process.execPath, [bundle, 'serve', '--port', '0'], { cwd: alone, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          const ready = /^mdctl serve: listening on (\S+)/m.exec(stdout);
          if (ready !== null) resolve(ready[1]!);
        });
        server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
        setTimeout(() => reject(new Error('serve printed no ready line in 10 s')), 10_000).unref();
      });
      const fetched = await runBundle(['fetch', '--endpoint', url, '--cache-dir', join(base, 'cache-self'), '--json']);
      assert.equal(fetched.status, 0, fetched.stderr);
      assert.equal((JSON.parse(fetched.stdout) as { instance_id: string }).instance_id, '795fed3a-431a-4b89-bd80-ffac22196e72');
    } finally {
      // Waited for: as it exits it writes the code cache into the directory after() removes.
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
    }
  });
});

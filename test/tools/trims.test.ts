// The dependency trims of tools/trims.mjs: a trim whose file changed or left the build fails it by name, and each trim's effect shows in the single file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface Trim {
  id: string;
  package: string;
  file: string;
  stub?: string;
  pattern?: RegExp;
  count?: number;
}
interface TrimsModule {
  TRIMS: Trim[];
  trimDependencies(root: string, trims?: Trim[]): { plugin: Plugin; check(): void };
}
const { TRIMS, trimDependencies } = (await import(pathToFileURL(join(REPO, 'tools', 'trims.mjs')).href)) as TrimsModule;

async function versionOf(name: string): Promise<string> {
  return (JSON.parse(await readFile(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Everything the entry imports stays outside the build: only the entry file itself is loaded. */
const entryOnly: Plugin = {
  name: 'entry-only',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'entry-point' ? undefined : { path: args.path, external: true }));
  },
};

/** Builds `entry` with `trims` alone; resolves to the build's error text, or to null when it built and every trim applied. */
async function trimBuild(entry: string, root: string, trims: Trim[]): Promise<string | null> {
  const { plugin, check } = trimDependencies(root, trims);
  try {
    await build({ entryPoints: [entry], bundle: true, write: false, platform: 'node', format: 'esm', logLevel: 'silent', plugins: [plugin, entryOnly] });
    check();
    return null;
  } catch (error) {
    const errors = (error as { errors?: { text: string }[] }).errors;
    return errors === undefined ? (error as Error).message : errors.map((entry) => entry.text).join('\n');
  }
}

describe('the trims fail the build when they do not apply', () => {
  let base = '';
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'mdctl-trims-'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  /** A copy of the trim's package.json and file under a fresh node_modules, the file edited by `edit`. */
  async function copyOf(trim: Trim, edit: (text: string) => string): Promise<{ root: string; entry: string }> {
    const root = await mkdtemp(join(base, `${trim.id}-`));
    const from = join(REPO, 'node_modules', trim.package);
    const to = join(root, 'node_modules', trim.package);
    const entry = join(to, trim.file);
    await mkdir(dirname(entry), { recursive: true });
    await copyFile(join(from, 'package.json'), join(to, 'package.json'));
    await writeFile(entry, edit(await readFile(join(from, trim.file), 'utf8')));
    return { root, entry };
  }

  for (const trim of TRIMS) {
    it(`${trim.id}: applies to ${trim.package}'s ${trim.file} as installed, and fails naming them once that file changes`, async () => {
      const version = await versionOf(trim.package);
      const intact = await copyOf(trim, (text) => text);
      assert.equal(await trimBuild(intact.entry, intact.root, [trim]), null);
      const changed = await copyOf(trim, (text) => {
        // A patch's pattern altered; a stubbed import gone (the file no longer imports the package).
        const pattern = trim.pattern ?? new RegExp(`^import .* from '${trim.stub}';$`, 'm');
        const edited = text.replace(new RegExp(pattern.source, pattern.flags.replace('g', '')), '/* changed */');
        assert.notEqual(edited, text);
        return edited;
      });
      const message = await trimBuild(changed.entry, changed.root, [trim]);
      assert.ok(message?.includes(`trim "${trim.id}" of ${trim.package} ${version} (${trim.file})`), message ?? 'the build passed');
      assert.match(message ?? '', trim.stub === undefined ? /the package changed/ : new RegExp(`no longer imports ${trim.stub}`));
    });
  }

  it('a build without the trimmed files fails naming every trim, its package, version and file', async () => {
    const entry = join(base, 'empty.mjs');
    await writeFile(entry, 'export {};\n');
    const message = (await trimBuild(entry, REPO, TRIMS)) ?? '';
    const lines = message.split('\n');
    assert.equal(lines.length, TRIMS.length, message);
    for (const [index, trim] of TRIMS.entries()) {
      assert.ok(lines[index]?.startsWith(`bundle: trim "${trim.id}" of ${trim.package} ${await versionOf(trim.package)} (${trim.file}) did not apply`), lines[index]);
    }
  });
});

/** What a run of the single file showed: the built-in modules it loaded, and how many Intl.ListFormat objects it made. */
interface Seen {
  modules: string[];
  listFormats: number;
}

describe('each trim shows in the single file (dist/mdctl.mjs)', () => {
  let base = '';
  let bundle = '';
  let text = '';
  let notice = '';
  let emulator: Emulator | undefined;
  let fetched: Seen = { modules: [], listFormats: -1 };
  let version: Seen = { modules: [], listFormats: -1 };

  /** Runs the single file with a preload that records what the run loaded. */
  async function observe(name: string, args: string[]): Promise<Seen> {
    const preload = join(base, `${name}.cjs`);
    const out = join(base, `${name}.json`);
    await writeFile(
      preload,
      [
        'let listFormats = 0;',
        'Intl.ListFormat = new Proxy(Intl.ListFormat, { construct(target, args, target2) { listFormats += 1; return Reflect.construct(target, args, target2); } });',
        `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ modules: process.moduleLoadList, listFormats })));`,
        '',
      ].join('\n'),
    );
    await execFileAsync(process.execPath, ['--require', preload, bundle, ...args], { cwd: base, env: { PATH: process.env.PATH, NO_COLOR: '1' } });
    const seen = JSON.parse(await readFile(out, 'utf8')) as Seen;
    assert.ok(seen.modules.includes('NativeModule fs'), 'the list is of the modules loaded');
    return seen;
  }

  const builtIn = (seen: Seen, name: string) => seen.modules.includes(`NativeModule ${name}`);
  const packaged = (name: string) => new RegExp(`(^|, )${name.replace('/', '\\/')} \\d`, 'm').test(notice);

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'mdctl-trimmed-'));
    bundle = join(base, 'mdctl.mjs');
    await copyFile(join(REPO, 'dist', 'mdctl.mjs'), bundle);
    text = await readFile(bundle, 'utf8');
    const start = text.indexOf('\n/* The npm packages built into this file, and their licenses.\n');
    notice = text.slice(start, text.indexOf('\n*/\n', start));
    assert.ok(start > 0 && packaged('got') && packaged('commander'), 'the license notice lists the packages built in');
    emulator = await startEmulator();
    fetched = await observe('fetch', ['fetch', '--endpoint', emulator.url, '--cache-dir', join(base, 'cache'), '--quiet']);
    version = await observe('version', ['--version']);
    assert.ok(builtIn(fetched, 'http') && packaged('@sindresorhus/is'), 'the fetch ran got');
  });
  after(async () => {
    await emulator?.stop();
    await rm(base, { recursive: true, force: true });
  });

  /** One check per trim: the code is not in the file, or the module is not loaded when mdctl runs. */
  const EFFECTS: Record<string, () => void> = {
    'http2-wrapper': () => {
      assert.ok(!packaged('http2-wrapper') && text.includes('mdctl does not use HTTP/2'));
      assert.ok(!builtIn(fetched, 'http2'));
    },
    'cacheable-request': () => {
      assert.ok(!packaged('cacheable-request') && text.includes("mdctl does not use got's cache"));
    },
    'decompress-response': () => {
      assert.ok(!packaged('decompress-response') && text.includes("mdctl does not use got's decompression"));
      assert.ok(!builtIn(fetched, 'zlib'));
    },
    'cacheable-lookup': () => {
      assert.ok(!packaged('cacheable-lookup') && text.includes("mdctl does not use got's DNS cache"));
    },
    'request-id': () => {
      assert.ok(!text.includes('randomUUID') && /`mdctl-\$\{\+\+[\w$]+\}`/.test(text));
      assert.ok(!builtIn(fetched, 'crypto'));
    },
    'list-format': () => {
      const made = [...text.matchAll(/(.{2})new Intl\.ListFormat\(/g)].map((match) => match[1]);
      assert.deepEqual(made, ['=>', '=>'], 'made only inside format()');
      assert.equal(fetched.listFormats, 0);
    },
    'https-tls': () => {
      assert.ok(!builtIn(fetched, 'https') && !builtIn(fetched, 'tls'));
    },
    'child-process': () => {
      assert.ok(!builtIn(version, 'child_process') && !builtIn(fetched, 'child_process'));
    },
  };

  it('has a check for every trim of tools/trims.mjs', () => {
    assert.deepEqual(Object.keys(EFFECTS).sort(), TRIMS.map((trim) => trim.id).sort());
  });

  for (const trim of TRIMS) {
    it(`${trim.id} (${trim.package}: ${trim.file})`, () => {
      const effect = EFFECTS[trim.id];
      assert.ok(effect !== undefined, `no check for the trim ${trim.id}`);
      effect();
    });
  }
});

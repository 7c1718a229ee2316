// The build-time trims of dependencies (what tools/bundle.mjs leaves out of the single file or defers), each of which must prove it applied.
//
// A trim names the package and the file it acts on. A patch rewrites a pattern that must occur
// exactly `count` times in that file; a stub replaces a package that the file imports. The build
// fails, naming the trim, the package, its version and the file, when a patch finds its pattern
// changed, or when a trim did not apply at all (the file moved, or no longer imports the stubbed
// package). test/tools/trims.test.ts checks each trim's effect on the built single file.
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

const unreached = (what) => `(() => { throw new Error(${JSON.stringify(`mdctl does not use ${what}`)}); })`;

/**
 * What the dependencies run at import and mdctl never uses:
 * - got's optional parts, each reached only through an option mdctl never sets (src/net/http.ts):
 *   http2-wrapper (`http2: true`; it loads node:http2), cacheable-request (`cache`; it loads
 *   node:crypto, ~5 ms), decompress-response (`decompress`, always false: it loads node:zlib),
 *   cacheable-lookup (`dnsCache`); each is a stub that throws if it is ever reached;
 * - the random UUID got gives each request for its diagnostics_channel messages (mdctl subscribes
 *   to none; node:crypto costs ~5 ms): a per-process counter instead;
 * - the two Intl.ListFormat objects @sindresorhus/is (got's) makes up front for its assertion
 *   messages: creating the first one loads ICU data (~20 ms); made when a message needs them;
 * - node:https and node:tls (~5 ms), which got loads up front: loaded by the first https request
 *   (the metadata service is plain http);
 * - node:child_process, which commander loads up front (~8 ms) for executable subcommands, which
 *   mdctl does not have: loaded if commander ever spawns one.
 */
export const TRIMS = [
  {
    id: 'http2-wrapper',
    package: 'got',
    file: 'dist/source/core/options.js',
    stub: 'http2-wrapper',
    contents: `export default { get auto() { return ${unreached('HTTP/2')}(); }, get globalAgent() { return ${unreached('HTTP/2')}(); } };`,
  },
  {
    id: 'cacheable-request',
    package: 'got',
    file: 'dist/source/core/index.js',
    stub: 'cacheable-request',
    contents: `export default class CacheableRequest { constructor() { ${unreached("got's cache")}(); } }\nexport class CacheError extends Error {}`,
  },
  {
    id: 'decompress-response',
    package: 'got',
    file: 'dist/source/core/index.js',
    stub: 'decompress-response',
    contents: `export default ${unreached("got's decompression")};`,
  },
  {
    id: 'cacheable-lookup',
    package: 'got',
    file: 'dist/source/core/options.js',
    stub: 'cacheable-lookup',
    contents: `export default class CacheableLookup { constructor() { ${unreached("got's DNS cache")}(); } }`,
  },
  {
    id: 'request-id',
    package: 'got',
    file: 'dist/source/core/diagnostics-channel.js',
    pattern: /^import \{ randomUUID \} from 'node:crypto';$|^ {4}return randomUUID\(\);$/gm,
    count: 2,
    replace: (line) => (line.startsWith('import') ? 'let lastRequestId = 0;' : '    return `mdctl-${++lastRequestId}`;'),
  },
  {
    id: 'list-format',
    package: '@sindresorhus/is',
    file: 'distribution/index.js',
    pattern: /const (andFormatter|orFormatter) = new Intl\.ListFormat\(([^()]*)\);/g,
    count: 2,
    replace: (_, name, options) => `const ${name} = { format: (list) => new Intl.ListFormat(${options}).format(list) };`,
  },
  {
    id: 'https-tls',
    package: 'got',
    file: 'dist/source/core/options.js',
    pattern: /^import \{ checkServerIdentity \} from 'node:tls';\n|^import https from 'node:https';$|checkServerIdentity: https\.checkServerIdentity \?\? checkServerIdentity,/gm,
    count: 3,
    replace: (line) =>
      line.startsWith('import https')
        ? "const https = { get request() { return require('node:https').request; } };"
        : line.startsWith('import')
          ? ''
          : "checkServerIdentity: https.checkServerIdentity ?? ((...args) => require('node:tls').checkServerIdentity(...args)),",
  },
  {
    id: 'child-process',
    package: 'commander',
    file: 'lib/command.js',
    pattern: /^const childProcess = require\('node:child_process'\);$/m,
    count: 1,
    replace: "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };",
  },
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `node_modules/<package>/<file>` at the end of a path, either separator. */
function pathPattern(trim) {
  return new RegExp(`[\\\\/]node_modules[\\\\/]${[...trim.package.split('/'), ...trim.file.split('/')].map(escape).join('[\\\\/]')}$`);
}

/** "got 14.6.6 (dist/source/core/options.js)": the package as installed in `dir`'s node_modules. */
function describe(trim, packageDir) {
  const manifest = join(packageDir, 'package.json');
  const version = existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : '(not installed)';
  return `trim "${trim.id}" of ${trim.package} ${version} (${trim.file})`;
}

const UPDATE = 'update the trim in tools/trims.mjs';

/** The package folder a file of `trim.package` sits in. */
function packageDirOf(trim, path) {
  const end = path.length - trim.file.length - 1;
  return path.slice(0, end).split('/').join(sep);
}

/**
 * The esbuild plugin that applies `trims`, and `check()`, which throws when one did not apply.
 * `root` is where the package versions of trims that never met their file are read.
 */
export function trimDependencies(root, trims = TRIMS) {
  const applied = new Set();
  const stubs = trims.filter((trim) => trim.stub !== undefined);
  const patched = [...new Set(trims.filter((trim) => trim.pattern !== undefined).map((trim) => `${trim.package}/${trim.file}`))];
  const plugin = {
    name: 'trim-dependencies',
    setup(b) {
      for (const trim of stubs) {
        b.onResolve({ filter: new RegExp(`^${escape(trim.stub)}$`) }, (args) => {
          if (pathPattern(trim).test(args.importer)) applied.add(trim.id);
          return { path: trim.id, namespace: 'mdctl-stub' };
        });
      }
      b.onLoad({ filter: /.*/, namespace: 'mdctl-stub' }, (args) => ({ contents: trims.find((trim) => trim.id === args.path).contents, loader: 'js' }));
      for (const target of patched) {
        const mine = trims.filter((trim) => trim.pattern !== undefined && `${trim.package}/${trim.file}` === target);
        b.onLoad({ filter: pathPattern(mine[0]) }, (args) => {
          let text = readFileSync(args.path, 'utf8');
          for (const trim of mine) {
            const found = (text.match(trim.pattern) ?? []).length;
            if (found !== trim.count) {
              const where = describe(trim, packageDirOf(trim, args.path.split(sep).join('/')));
              throw new Error(`bundle: ${where}: the file has ${found} of ${trim.pattern}, not ${trim.count}: the package changed; ${UPDATE}`);
            }
            text = text.replace(trim.pattern, trim.replace);
            applied.add(trim.id);
          }
          return { contents: text, loader: 'js' };
        });
      }
    },
  };
  const check = () => {
    const missed = trims.filter((trim) => !applied.has(trim.id));
    if (missed.length === 0) return;
    const lines = missed.map((trim) => {
      const what = trim.stub === undefined ? 'the file is not in the build (moved, or no longer imported)' : `the file is not in the build or no longer imports ${trim.stub}`;
      return `bundle: ${describe(trim, join(root, 'node_modules', trim.package))} did not apply: ${what}; ${UPDATE}`;
    });
    throw new Error(lines.join('\n'));
  };
  return { plugin, check };
}

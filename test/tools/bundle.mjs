// Builds dist/mdctl.mjs (or the file named as the argument): the whole CLI and its dependencies in one ESM file for plain Node.
//
// The file is the direct path of main.js (a plain `mdctl get` answered from the cache) as ordinary
// code, then the full program (full.js: commander, every command, got...) as CommonJS in a comment
// at the end, which embedded.js compiles with a V8 code cache kept beside the file. Node never
// parses the full program for a `get` the cache answers, and other runs skip compiling what an
// earlier run compiled.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { isBuiltin } from 'node:module';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outfile = resolve(process.argv[2] ?? `${root}dist/mdctl.mjs`);

const common = { bundle: true, write: false, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning' };

// Node built-ins become require() calls inside the module that uses them, so a module loaded
// lazily (got: http, https, tls, zlib...) loads its built-ins lazily too, not at startup.
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z:_/]+$/ }, (args) => (args.namespace !== 'builtin' && isBuiltin(args.path) ? { path: args.path, namespace: 'builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/** Rewrites `pattern` in a dependency's file; the build fails when the file no longer has exactly `count` of it. */
function patchFile(path, pattern, count, replace) {
  const text = readFileSync(path, 'utf8');
  if ((text.match(pattern) ?? []).length !== count) throw new Error(`bundle: ${path} changed; update the trim-dependencies plugin`);
  return { contents: text.replace(pattern, replace), loader: 'js' };
}

// What the dependencies run at import and mdctl never uses, left out or deferred:
// - http2-wrapper (it loads node:http2): got reaches it only with `http2: true`, never set by mdctl;
// - the two Intl.ListFormat objects @sindresorhus/is (got's) makes up front for its assertion
//   messages: creating the first one loads ICU data (~20 ms); made when a message needs them;
// - node:child_process, which commander loads up front (~8 ms) for executable subcommands, which
//   mdctl does not have: loaded if commander ever spawns one.
const trimDependencies = {
  name: 'trim-dependencies',
  setup(b) {
    b.onResolve({ filter: /^http2-wrapper$/ }, () => ({ path: 'http2-wrapper', namespace: 'no-http2' }));
    b.onLoad({ filter: /.*/, namespace: 'no-http2' }, () => ({
      contents: [
        "const unsupported = () => { throw new Error('mdctl does not speak HTTP/2'); };",
        'export default { get auto() { return unsupported(); }, get globalAgent() { return unsupported(); } };',
      ].join('\n'),
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]@sindresorhus[\\/]is[\\/]distribution[\\/]index\.js$/ }, (args) =>
      patchFile(args.path, /const (andFormatter|orFormatter) = new Intl\.ListFormat\(([^()]*)\);/g, 2, (_, name, options) => `const ${name} = { format: (list) => new Intl.ListFormat(${options}).format(list) };`),
    );
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) =>
      patchFile(args.path, /^const childProcess = require\('node:child_process'\);$/m, 1, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };"),
    );
  },
};

// The build knows it is the single file, and carries the man page so `install` needs nothing else.
const full = await build({
  ...common,
  entryPoints: [`${root}dist/cli/full.js`],
  format: 'cjs',
  // Without comments it is plain ASCII (read back as latin1, exact and fast) and a third smaller.
  minifyWhitespace: true,
  plugins: [
    lazyBuiltins,
    trimDependencies,
    {
      // import() inside the script would fail once it runs from the code cache (Node 20): the
      // file's own import() comes in as __importModule instead (see embedded.js).
      name: 'outer-import',
      setup(b) {
        b.onLoad({ filter: /[\\/]dist[\\/]system[\\/]import-module\.js$/ }, () => ({ contents: 'export const importModule = (specifier) => __importModule(specifier);', loader: 'js' }));
      },
    },
  ],
  define: {
    'import.meta.url': '__scriptUrl',
    MDCTL_SINGLE_FILE: 'true',
    MDCTL_MAN_PAGE: JSON.stringify(readFileSync(`${root}man/mdctl.1`, 'utf8')),
  },
});
const fullSource = full.outputFiles[0].text;
if (fullSource.includes('import(')) throw new Error('bundle: the full program calls import(); see the outer-import plugin');
// Printable ASCII and line breaks only: exact in latin1, and no \x01 to confuse with the escape below.
if (/[^\t\n\r -~]/.test(fullSource)) throw new Error('bundle: the full program is not plain printable ASCII');
const marker = '\n/* mdctl full program:\n';

const result = await build({
  ...common,
  entryPoints: [`${root}dist/cli/main.js`],
  outfile,
  format: 'esm',
  plugins: [
    lazyBuiltins,
    {
      name: 'embedded-full',
      setup(b) {
        b.onResolve({ filter: /^\.\/full\.js$/ }, (args) => ({ path: join(args.resolveDir, 'embedded.js') }));
      },
    },
  ],
  // The lazy built-ins need a require(), which ESM does not have.
  banner: {
    js: [
      '#!/usr/bin/env node',
      '// mdctl single-file build (npm run bundle): the CLI and its dependencies, no node_modules needed.',
      "import { createRequire as __mdctlCreateRequire } from 'node:module';",
      'const require = __mdctlCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  define: {
    MDCTL_FULL_MARKER: JSON.stringify(marker),
    MDCTL_FULL_LENGTH: String(fullSource.length),
    MDCTL_FULL_KEY: JSON.stringify(createHash('sha256').update(fullSource).digest('hex').slice(0, 16)),
  },
});

// The full program follows the code, in a comment that embedded.js reads back.
const [output] = result.outputFiles;
const temp = `${outfile}.${process.pid}.tmp`;
writeFileSync(temp, `${output.text}${marker}${fullSource.replaceAll('*/', '*\x01/')}*/\n`, { mode: 0o755 });
renameSync(temp, outfile);
process.stdout.write(`bundle: wrote ${outfile}\n`);

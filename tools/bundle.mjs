// Builds dist/mdctl.mjs (or the file named as the argument): the whole CLI and its dependencies in one ESM file for plain Node.
//
// The file is the direct path of main.js (a plain `mdctl get` answered from the cache) as ordinary
// code, then the full program (full.js: commander, every command, got...) as CommonJS in a comment
// at the end, which embedded.js compiles with a V8 code cache kept beside the file. Node never
// parses the full program for a `get` the cache answers, and other runs skip compiling what an
// earlier run compiled.
import { build } from 'esbuild';
import { trimDependencies } from './trims.mjs';
import { createHash } from 'node:crypto';
import { isBuiltin } from 'node:module';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outfile = resolve(process.argv[2] ?? `${root}dist/mdctl.mjs`);

const common = { absWorkingDir: root, bundle: true, write: false, platform: 'node', target: 'node18', legalComments: 'none', logLevel: 'warning' };

// Node built-ins become require() calls inside the module that uses them, so a module loaded
// lazily (got: http, https, tls, zlib...) loads its built-ins lazily too, not at startup.
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z:_/]+$/ }, (args) => (args.namespace !== 'builtin' && isBuiltin(args.path) ? { path: args.path, namespace: 'builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

// The dependencies' trims (tools/trims.mjs) each fail the build if they did not apply.
const trims = trimDependencies(root);
let outerImport = false;

// The build knows it is the single file, and carries the man page so `install` needs nothing else.
const full = await build({
  ...common,
  entryPoints: [`${root}dist/cli/full.js`],
  format: 'cjs',
  // Minified it is plain ASCII (read back as latin1, exact and fast), 35% smaller and ~5 ms
  // faster to load; function and class names are kept for stack traces (--debug).
  minify: true,
  keepNames: true,
  metafile: true,
  plugins: [
    lazyBuiltins,
    trims.plugin,
    {
      // import() inside the script would fail once it runs from the code cache (Node 20): the
      // file's own import() comes in as __importModule instead (see embedded.js).
      name: 'outer-import',
      setup(b) {
        b.onLoad({ filter: /[\\/]dist[\\/]system[\\/]import-module\.js$/ }, () => {
          outerImport = true;
          return { contents: 'export const importModule = (specifier) => __importModule(specifier);', loader: 'js' };
        });
      },
    },
  ],
  define: {
    'import.meta.url': '__scriptUrl',
    MDCTL_SINGLE_FILE: 'true',
    MDCTL_MAN_PAGE: JSON.stringify(readFileSync(`${root}man/mdctl.1`, 'utf8')),
  },
});
trims.check();
if (!outerImport) throw new Error('bundle: dist/system/import-module.js is not in the full program; update the outer-import plugin');
const fullSource = full.outputFiles[0].text;
if (fullSource.includes('import(')) throw new Error('bundle: the full program calls import(); see the outer-import plugin');
// Printable ASCII and line breaks only: exact in latin1, and no \x01 to confuse with the escape below.
if (/[^\t\n\r -~]/.test(fullSource)) throw new Error('bundle: the full program is not plain printable ASCII');
const marker = '\n/* mdctl full program:\n';

/**
 * The licenses of the npm packages built into the file, as a comment: each distinct license text
 * once, after the packages (name, version) under it. The build fails when a package has no
 * license file, so the single file always carries every notice its licenses require.
 */
function licenseNotice(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match !== null) dirs.add(resolve(root, match[1]));
  }
  const byText = new Map();
  for (const dir of [...dirs].sort()) {
    const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((entry) => /^licen[cs]e(\.(md|txt))?$/i.test(entry));
    if (file === undefined) throw new Error(`bundle: ${name} has no license file to carry`);
    const text = readFileSync(join(dir, file), 'utf8').trim();
    byText.set(text, [...(byText.get(text) ?? []), `${name} ${version}`]);
  }
  const sections = [...byText].map(([text, packages]) => `${packages.join(', ')}:\n\n${text}`).join('\n\n----\n\n');
  return `\n/* The npm packages built into this file, and their licenses.\n\n${sections.replaceAll('*/', '* /')}\n*/\n`;
}

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

// The licenses follow the code, then the full program in a comment that embedded.js reads back.
const [output] = result.outputFiles;
const temp = `${outfile}.${process.pid}.tmp`;
writeFileSync(temp, `${output.text}${licenseNotice(full.metafile)}${marker}${fullSource.replaceAll('*/', '*\x01/')}*/\n`, { mode: 0o755 });
renameSync(temp, outfile);
process.stdout.write(`bundle: wrote ${outfile}\n`);

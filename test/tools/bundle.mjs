// Builds dist/mdctl.mjs (or the file named as the argument): the whole CLI and its dependencies in one ESM file for plain Node.
import { build } from 'esbuild';
import { isBuiltin } from 'node:module';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outfile = resolve(process.argv[2] ?? `${root}dist/mdctl.mjs`);

// Bundled from the tsc output, so the lazy `import(`./commands/${name}.js`)` in main.js names real
// files: esbuild turns that template literal into a table of every dist/cli/commands/*.js.
const result = await build({
  entryPoints: [`${root}dist/cli/main.js`],
  outfile,
  write: false,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  // Node built-ins become require() calls inside the module that uses them, so a module loaded
  // lazily (got: http, https, tls, zlib...) loads its built-ins lazily too, not at startup.
  plugins: [
    {
      name: 'lazy-builtins',
      setup(b) {
        b.onResolve({ filter: /^[a-z:_/]+$/ }, (args) => (args.namespace !== 'builtin' && isBuiltin(args.path) ? { path: args.path, namespace: 'builtin' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
      },
    },
  ],
  // CommonJS dependencies (commander) call require() for Node built-ins; ESM has none, so give them one.
  banner: {
    js: [
      '#!/usr/bin/env node',
      '// mdctl single-file build (npm run bundle): the CLI and its dependencies, no node_modules needed.',
      "import { createRequire as __mdctlCreateRequire } from 'node:module';",
      'const require = __mdctlCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  // The build knows it is the single file, and carries the man page so `install` needs nothing else.
  define: {
    MDCTL_SINGLE_FILE: 'true',
    MDCTL_MAN_PAGE: JSON.stringify(readFileSync(`${root}man/mdctl.1`, 'utf8')),
  },
});

// Written under a temp name and renamed, so a build running alongside never leaves half a file.
const [output] = result.outputFiles;
const temp = `${outfile}.${process.pid}.tmp`;
writeFileSync(temp, output.contents, { mode: 0o755 });
renameSync(temp, outfile);
process.stdout.write(`bundle: wrote ${outfile}\n`);

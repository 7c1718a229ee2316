// Fetches the official Node binaries of the majors mdctl claims (the npm registry's node-<os>-<arch> packages) into node_modules/.cache/mdctl-node/<major>/node, once; prints "<major> <path>" per major.
//
// Usage: node tools/node-binaries.mjs [MAJOR...]   (default: every major package.json's engines claims, see MAJORS)
// A binary already in the cache is used as it is: a rerun asks no registry. The download goes
// through npm (`npm pack`), so it uses npm's own cache, registry and proxy settings.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The Node majors mdctl claims (engines ">=18"): the even releases from 18 to the current one. */
export const MAJORS = ['18', '20', '22', '24', '26'];

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'mdctl-node');

/** The path of the cached `node` of one major, fetched first when it is not there. */
export function nodeBinary(major) {
  if (!/^\d+$/.test(major)) throw new Error(`node-binaries: ${JSON.stringify(major)} is not a major version`);
  const target = join(CACHE_DIR, major, 'node');
  if (existsSync(target)) return target;
  mkdirSync(join(CACHE_DIR, major), { recursive: true });
  const work = mkdtempSync(join(CACHE_DIR, `.fetch-${major}-`));
  try {
    const spec = `node-${process.platform}-${process.arch}@${major}`;
    const packed = execFileSync('npm', ['pack', spec, '--json', '--prefer-offline', '--pack-destination', work], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const [{ filename }] = JSON.parse(packed);
    execFileSync('tar', ['-xzf', join(work, filename), '-C', work, 'package/bin/node'], { stdio: 'inherit' });
    // A rename in one file system: a run that reads the cache sees no binary or a whole one.
    renameSync(join(work, 'package', 'bin', 'node'), target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const majors = process.argv.length > 2 ? process.argv.slice(2) : MAJORS;
  for (const major of majors) process.stdout.write(`${major} ${nodeBinary(major)}\n`);
}

// Test runner: runs the compiled test files by explicit name (Node 20 runs nothing for a directory or a quoted glob), several files at once.
//
// Usage: node test/tools/run-tests.mjs [--unit] [SUBSTRING...]
//   SUBSTRING  only the files whose path contains one of them
//   --unit     only the files listed in test/tools/unit-tests.txt (no root, no namespaces)
// Environment: MDCTL_TEST_CONCURRENCY, how many test files run at once (default: cores + 1, at least 3).
//
// Files run at once are separate processes, so a test file must not take anything another file may
// use at the same time: namespaces and interfaces are named by test/helpers/netns.ts uniqueName()
// (`${tag}${pid}`), servers listen on port 0 or inside the test's own namespace, files go under a
// fresh mkdtemp folder, and the running hostname is only changed inside `unshare --uts`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';

function find(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return find(path);
      return name.endsWith('.test.js') ? [path] : [];
    })
    .sort();
}

/** The compiled paths of the files listed in unit-tests.txt; a listed file that does not exist is an error. */
function unitFiles() {
  const listed = readFileSync('test/tools/unit-tests.txt', 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const missing = listed.filter((path) => !existsSync(path));
  if (missing.length > 0) {
    console.error(`run-tests: test/tools/unit-tests.txt lists files that do not exist: ${missing.join(', ')}`);
    process.exit(1);
  }
  return new Set(listed.map((path) => join('build', path.replace(/\.ts$/, '.js'))));
}

const args = process.argv.slice(2);
const unit = args.includes('--unit') ? unitFiles() : null;
const only = args.filter((arg) => arg !== '--unit');
const files = find('build/test').filter((f) => (unit === null || unit.has(f)) && (only.length === 0 || only.some((o) => f.includes(o))));
if (files.length === 0) {
  console.error('run-tests: no test files found under build/test');
  process.exit(1);
}
const concurrency = Number(process.env.MDCTL_TEST_CONCURRENCY ?? Math.max(3, availableParallelism() + 1));
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`run-tests: MDCTL_TEST_CONCURRENCY must be a whole number of at least 1, not ${JSON.stringify(process.env.MDCTL_TEST_CONCURRENCY)}`);
  process.exit(2);
}
// --test-concurrency came with Node 20.10; before it, files run one at a time.
const [major, minor] = process.versions.node.split('.').map(Number);
const parallel = major > 20 || (major === 20 && minor >= 10) ? [`--test-concurrency=${concurrency}`] : [];
console.log(`run-tests: ${files.length} test files, ${parallel.length === 0 ? 1 : concurrency} at a time`);
const reporter = ['--test-reporter', './test/tools/reporter.mjs', '--test-reporter-destination', 'stdout'];
const result = spawnSync(process.execPath, ['--test', ...parallel, ...reporter, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);

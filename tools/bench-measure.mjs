// Benchmark helpers: run a process under /usr/bin/time for wall time and peak RSS, summarise samples, see which packages ran.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const TIME = '/usr/bin/time';

/**
 * Runs argv to completion under `/usr/bin/time -f %M` (peak RSS in KiB, written to a file so the
 * child's stderr stays its own). Wall time is measured here, from spawn to exit, the same way for
 * every scenario and for the `node -e 0` baseline.
 */
export function measure(argv, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mdctl-bench-time-'));
  const rssFile = join(dir, 'rss');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(TIME, ['-f', '%M', '-o', rssFile, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    options.onSpawn?.(started);
    child.on('error', reject);
    child.on('close', (status) => {
      const endedAt = performance.now();
      const ms = endedAt - started;
      const text = readFileSync(rssFile, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      // time(1) prefixes "Command exited with non-zero status N" when the child failed.
      const rssKiB = Number(text.trim().split('\n').pop());
      resolve({ ms, endedAt, rssKiB, status, stdout, stderr });
    });
  });
}

/** The q-quantile (0..1) of sorted numbers, by linear interpolation. */
function quantile(sorted, q) {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

/** Median, p10, p90, min and max of a list of numbers. */
export function summarise(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

/**
 * Runs argv once with NODE_V8_COVERAGE and returns the npm packages whose code ran: every
 * node_modules script that was loaded, and in a single-file build every esbuild module
 * initialiser (named after its node_modules path) that was called.
 */
export async function packagesThatRan(argv, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mdctl-bench-cov-'));
  try {
    const result = await measure(argv, { env: { ...env, NODE_V8_COVERAGE: dir } });
    const packages = new Set();
    for (const file of readdirSync(dir)) {
      const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      for (const script of report.result) {
        const fromFile = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(script.url);
        if (fromFile !== null) packages.add(fromFile[1]);
        for (const fn of script.functions) {
          const bundled = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(fn.functionName);
          if (bundled !== null && fn.ranges[0].count > 0) packages.add(bundled[1]);
        }
      }
    }
    return { status: result.status, stderr: result.stderr, packages: [...packages].sort() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

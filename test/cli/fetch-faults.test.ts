// `mdctl fetch` against the emulator with injected faults: exit status, one-line message, cache untouched, requests made.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dump } from 'js-yaml';
import type { Instance } from '../../src/core/instance.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { SEED_DHCP_FIXTURE, startEmulator, writeFixture } from '../helpers/emulator.js';

const work = mkdtempSync(join(tmpdir(), 'mdctl-cli-faults-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

const META = '/openstack/2020-10-14/meta_data.json';
const FILE_COUNT = 5;

interface Run {
  result: CliResult;
  requests: string[];
  cache: string;
}

/** Serve seed-dhcp with these fault rules, run `mdctl fetch --json` against it, collect the requests it logged. */
async function fetchWithFaults(rules: object[], timeoutSeconds = 5): Promise<Run> {
  const faults = await writeFixture(dump(rules, { lineWidth: -1 }));
  const emulator = await startEmulator({ fixture: SEED_DHCP_FIXTURE, faults });
  const cache = join(work, `cache-${counter++}`);
  try {
    const result = await runCli(['fetch', '--endpoint', emulator.url, '--cache-dir', cache, '--timeout', String(timeoutSeconds), '--json']);
    await emulator.stop();
    return { result, requests: (await emulator.requests()).map((entry) => `${entry.method} ${entry.path}`), cache };
  } finally {
    await emulator.stop();
  }
}

function succeeded(run: Run): Instance {
  assert.equal(run.result.status, 0, run.result.stderr);
  assert.ok(existsSync(join(run.cache, 'instance.json')));
  return JSON.parse(run.result.stdout) as Instance;
}

function failed(run: Run, status: number, pattern: RegExp): void {
  assert.equal(run.result.status, status, run.result.stderr);
  assert.equal(run.result.stdout, '');
  const lines = run.result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.result.stderr);
  assert.match(lines[0]!, /^mdctl: /);
  assert.match(lines[0]!, pattern);
  assert.ok(!existsSync(join(run.cache, 'instance.json')), 'no cache written');
}

function count(run: Run, request: string): number {
  return run.requests.filter((r) => r === request).length;
}

test('a short delay on every file is waited for', async () => {
  const run = await fetchWithFaults([{ path: '/openstack/2020-10-14/*', delay_ms: 300 }]);
  assert.equal(succeeded(run).hostname, 'dvr3-demo12.novalocal');
  assert.equal(run.requests.length, 2 + FILE_COUNT);
});

test('a delay past the deadline: exit 4', async () => {
  const run = await fetchWithFaults([{ path: META, delay_ms: 10_000 }], 1);
  failed(run, 4, /meta_data\.json/);
});

test('500 then 200 on /openstack: retried, succeeds, one extra request', async () => {
  const run = await fetchWithFaults([{ path: '/openstack', status: 500, times: 1 }]);
  succeeded(run);
  assert.equal(count(run, 'GET /openstack'), 2);
  assert.equal(run.requests.length, 3 + FILE_COUNT);
});

test('a connection reset once: retried, succeeds', async () => {
  const run = await fetchWithFaults([{ path: META, reset: 'before', times: 1 }]);
  succeeded(run);
  assert.equal(count(run, `GET ${META}`), 2);
});

test('a connection reset on every try: exit 4 naming the file', async () => {
  const run = await fetchWithFaults([{ path: META, reset: 'middle' }], 2);
  failed(run, 4, /meta_data\.json.*(reset|closed)/);
});

test('a body cut short on the wire once: retried, succeeds', async () => {
  const run = await fetchWithFaults([{ path: META, truncate: 20, times: 1 }]);
  succeeded(run);
  assert.equal(count(run, `GET ${META}`), 2);
});

test('truncated JSON served complete: exit 5, malformed JSON, path named, not retried', async () => {
  const run = await fetchWithFaults([{ path: META, status: 200, body: '{"uuid": "795fed3a-431a', content_type: 'application/json' }]);
  failed(run, 5, /"\/openstack\/2020-10-14\/meta_data\.json": malformed JSON/);
  assert.equal(count(run, `GET ${META}`), 1);
});

test('an oversized body: exit 5, refused, path named', async () => {
  const run = await fetchWithFaults([{ path: '/openstack/2020-10-14/vendor_data.json', status: 200, body: `"${'x'.repeat(1024 * 1024)}"` }]);
  failed(run, 5, /vendor_data\.json.*larger than 1048576 bytes/);
});

test('a redirect to another host: exit 5, not followed', async () => {
  const run = await fetchWithFaults([{ path: '/openstack', redirect: 'http://127.0.0.2:9/openstack' }]);
  failed(run, 5, /redirect to another host/);
});

test('an HTML page with status 200 where JSON belongs: exit 5', async () => {
  const run = await fetchWithFaults([
    { path: META, status: 200, body: '<html><body>Welcome to the captive portal</body></html>', content_type: 'text/html' },
  ]);
  failed(run, 5, /meta_data\.json.*HTML page where JSON belongs/);
});

test('404 on meta_data.json: exit 5', async () => {
  const run = await fetchWithFaults([{ path: META, status: 404 }]);
  failed(run, 5, /meta_data\.json.*404/);
});

test('404 on an optional file: absent, exit 0', async () => {
  const run = await fetchWithFaults([{ path: '/openstack/2020-10-14/vendor_data2.json', status: 404 }]);
  const doc = succeeded(run);
  assert.deepEqual(doc.source.files, ['meta_data.json', 'network_data.json', 'vendor_data.json', 'user_data']);
  assert.equal(doc.openstack?.vendor_data2, null);
  assert.equal(run.requests.length, 2 + FILE_COUNT);
});

test('403 on /openstack: exit 5 at once, nothing else requested', async () => {
  const run = await fetchWithFaults([{ path: '/openstack', status: 403 }]);
  failed(run, 5, /403 Forbidden/);
  assert.deepEqual(run.requests, ['GET /openstack']);
});

test('a 429 once is retried; the crawl still makes one request per file otherwise', async () => {
  const run = await fetchWithFaults([{ path: '/openstack/2020-10-14', status: 429, times: 1 }]);
  succeeded(run);
  assert.equal(count(run, 'GET /openstack/2020-10-14'), 2);
  assert.equal(run.requests.length, 3 + FILE_COUNT);
});

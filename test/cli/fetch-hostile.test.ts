// `mdctl fetch` against scripted hostile servers: exit status, one line on stderr, no cache written.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { hostileServer, nestedJson, openstackTree, UUID, type Script } from '../sources/hostile.js';

const work = mkdtempSync(join(tmpdir(), 'mdctl-cli-hostile-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

async function fetchFrom(script: Script, output = '--json'): Promise<{ result: CliResult; cache: string }> {
  const server = await hostileServer(script);
  const cache = join(work, `cache-${counter++}`);
  try {
    const result = await runCli(['fetch', '--endpoint', server.url, '--cache-dir', cache, '--timeout', '5', output]);
    return { result, cache };
  } finally {
    await server.close();
  }
}

function refused(run: { result: CliResult; cache: string }, status: number, pattern: RegExp): void {
  assert.equal(run.result.status, status, run.result.stderr);
  assert.equal(run.result.stdout, '');
  const lines = run.result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.result.stderr);
  assert.match(lines[0]!, /^mdctl: /);
  assert.match(lines[0]!, pattern);
  assert.ok(!existsSync(join(run.cache, 'instance.json')), 'no cache written');
}

test('vendor_data.json nested 100,000 levels deep: exit 0, a warning naming the file, a problem in the document, not an internal error', async () => {
  const run = await fetchFrom(openstackTree({ 'meta_data.json': JSON.stringify({ uuid: UUID }), 'vendor_data.json': nestedJson(100_000) }));
  assert.equal(run.result.status, 0, run.result.stderr);
  assert.match(run.result.stderr, /^mdctl: warning: GET "\/openstack\/2020-10-14\/vendor_data\.json": JSON nested more than 64 levels deep; that part of the document is null/);
  const doc = JSON.parse(run.result.stdout) as { instance_id: string; problems: { file: string }[]; openstack: { vendor_data: unknown } };
  assert.equal(doc.instance_id, UUID);
  assert.deepEqual(doc.problems.map((problem) => problem.file), ['vendor_data.json']);
  assert.equal(doc.openstack.vendor_data, null);
});

test('1 MiB of numbers nested 64 deep: read, and the cache stays about as small as the body', async () => {
  const levels = 64;
  const body = `${'['.repeat(levels)}${new Array(480_000).fill(1).join(',')}${']'.repeat(levels)}`;
  const run = await fetchFrom(openstackTree({ 'meta_data.json': JSON.stringify({ uuid: UUID }), 'vendor_data.json': body }), '--quiet');
  assert.equal(run.result.status, 0, run.result.stderr);
  const size = statSync(join(run.cache, 'instance-sensitive.json')).size;
  assert.ok(size < 2 * body.length, `${size} bytes cached for a ${body.length}-byte body`);
});

test('the summary quotes an instance id and hostname holding terminal escapes', async () => {
  const meta = { uuid: `${UUID}\u001b]0;pwned\u0007`, hostname: 'evil\u001b[2J\r\nhost' };
  const run = await fetchFrom(openstackTree({ 'meta_data.json': JSON.stringify(meta) }), '--no-color');
  assert.equal(run.result.status, 0, run.result.stderr);
  assert.equal(run.result.stdout.includes('\u001b'), false);
  assert.match(run.result.stdout, /^instance +"83679162-1378-4288-a2d4-70e13ec132aa\\u001b\]0;pwned\\u0007"$/m);
  assert.match(run.result.stdout, /^hostname +"evil\\u001b\[2J\\r\\nhost"$/m);
});

test('an HTML page where network_data.json belongs: still exit 5, one line, no cache (refused at the HTTP level)', async () => {
  const tree = openstackTree({ 'meta_data.json': JSON.stringify({ uuid: UUID }), 'network_data.json': '' });
  const run = await fetchFrom((request) =>
    request.url?.endsWith('/network_data.json') === true ? { status: 200, body: '<!DOCTYPE html><html></html>', headers: { 'content-type': 'text/html' } } : tree(request),
  );
  refused(run, 5, /network_data\.json.*an HTML page where JSON belongs/);
});

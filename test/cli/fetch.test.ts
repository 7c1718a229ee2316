// `mdctl fetch` as a process against the emulator: output formats, exit codes, cache contents and request counts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { load } from 'js-yaml';
import type { Instance } from '../../src/core/instance.js';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import { EC2_ONLY_FIXTURE, NOVA_FIXTURES, SEED_DHCP_FIXTURE, SEED_STATIC_FIXTURE, startEmulator, type Emulator } from '../helpers/emulator.js';
import { closedPort, signingFront } from '../sources/front.js';

const work = mkdtempSync(join(tmpdir(), 'mdctl-cli-fetch-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

function cacheDir(): string {
  return join(work, `cache-${counter++}`);
}

const FILES = ['meta_data.json', 'network_data.json', 'vendor_data.json', 'vendor_data2.json', 'user_data'];

/** Run `mdctl fetch` against `emulator` (started and stopped here) and return the result and the requests it made. */
async function fetchFrom(fixture: string, args: string[], cache: string): Promise<{ result: CliResult; emulator: Emulator }> {
  const emulator = await startEmulator({ fixture });
  try {
    const result = await runCli(['fetch', '--endpoint', emulator.url, '--cache-dir', cache, ...args]);
    return { result, emulator };
  } finally {
    await emulator.stop();
  }
}

async function pathsOf(emulator: Emulator): Promise<string[]> {
  return (await emulator.requests()).map((entry) => `${entry.method} ${entry.path}`);
}

function oneErrorLine(result: CliResult, pattern: RegExp): void {
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^mdctl: /);
  assert.match(lines[0]!, pattern);
  assert.equal(result.stdout, '');
}

test('seed-dhcp --json: the document on stdout, the cache written, 7 requests', async () => {
  const cache = cacheDir();
  const { result, emulator } = await fetchFrom(SEED_DHCP_FIXTURE, ['--json'], cache);
  assert.equal(result.status, 0, result.stderr);
  const doc = JSON.parse(result.stdout) as Instance;
  assert.equal(doc.schema, 1);
  assert.equal(doc.instance_id, '795fed3a-431a-4b89-bd80-ffac22196e72');
  assert.equal(doc.hostname, 'dvr3-demo12.novalocal');
  assert.deepEqual(doc.routes, []);
  assert.deepEqual(
    { ...doc.source, fetched_at: '' },
    { kind: 'openstack', endpoint: emulator.url, version: '2020-10-14', files: FILES, fetched_at: '' },
  );
  assert.equal(doc.user_data, readFileSync(join(NOVA_FIXTURES, 'seed-dhcp/openstack/2020-10-14/user_data'), 'utf8'));

  const publicFile = join(cache, 'instance.json');
  const sensitiveFile = join(cache, 'instance-sensitive.json');
  assert.equal(statSync(publicFile).mode & 0o777, 0o644);
  assert.equal(statSync(sensitiveFile).mode & 0o777, 0o600);
  const cached = JSON.parse(readFileSync(publicFile, 'utf8')) as Record<string, unknown>;
  assert.equal(cached.instance_id, doc.instance_id);
  assert.equal(cached.user_data, undefined);
  assert.ok(readFileSync(sensitiveFile, 'utf8').includes('hello from dvr3-demo12 user-data'));

  const paths = await pathsOf(emulator);
  assert.equal(paths.length, 2 + FILES.length, paths.join(', '));
  assert.equal(new Set(paths).size, paths.length);
  assert.ok(!paths.some((path) => path.endsWith('/password')));
});

test('seed-static: human summary on stdout; --yaml gives the same document with routes', async () => {
  const { result } = await fetchFrom(SEED_STATIC_FIXTURE, [], cacheDir());
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^source\s+openstack http:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(result.stdout, /^version\s+2020-10-14$/m);
  assert.match(result.stdout, /^files\s+meta_data\.json, network_data\.json, vendor_data\.json, vendor_data2\.json, user_data$/m);
  assert.match(result.stdout, /^instance\s+795fed3a-431a-4b89-bd80-ffac22196e72$/m);
  assert.match(result.stdout, /^hostname\s+dvr3-demo12\.novalocal$/m);
  assert.match(result.stdout, /^time\s+\d+\.\d\d s$/m);
  assert.ok(!result.stdout.includes('\u001b['), 'no colour without a TTY');

  const yaml = await fetchFrom(SEED_STATIC_FIXTURE, ['--yaml'], cacheDir());
  assert.equal(yaml.result.status, 0, yaml.result.stderr);
  const doc = load(yaml.result.stdout) as Instance;
  assert.deepEqual(
    doc.routes?.map((route) => `${route.destination} via ${route.gateway}`),
    ['0.0.0.0/0 via 192.168.0.1', '10.20.0.0/16 via 192.168.0.254', '172.31.5.0/24 via 192.168.0.253'],
  );
  assert.deepEqual(doc.dns_nameservers, ['192.168.0.2', '192.168.0.4']);
});

test('--quiet prints nothing and still writes the cache', async () => {
  const cache = cacheDir();
  const { result } = await fetchFrom(SEED_DHCP_FIXTURE, ['--quiet'], cache);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, '');
  assert.ok(existsSync(join(cache, 'instance.json')));
});

test('EC2-only service: the EC2 tree, exit 0', async () => {
  const { result } = await fetchFrom(EC2_ONLY_FIXTURE, ['--json'], cacheDir());
  assert.equal(result.status, 0, result.stderr);
  const doc = JSON.parse(result.stdout) as Instance;
  assert.equal(doc.source.kind, 'ec2');
  assert.equal(doc.instance_id, 'i-0000000c');
  assert.equal(doc.hostname, 'dvr3-demo12.novalocal');
  assert.deepEqual(
    doc.public_keys.map((key) => key.name),
    ['dvr3-key'],
  );
});

test('connection refused on a closed loopback port: exit 4, one line, no cache', async () => {
  const cache = cacheDir();
  const endpoint = await closedPort();
  const result = await runCli(['fetch', '--endpoint', endpoint, '--cache-dir', cache, '--timeout', '1', '--json']);
  assert.equal(result.status, 4, result.stderr);
  oneErrorLine(result, /connection refused/);
  assert.ok(result.stderr.includes(endpoint), 'the endpoint is named');
  assert.ok(!existsSync(join(cache, 'instance.json')));
});

test('a wrong proxy secret: exit 5 with a hint; an existing cache stays byte-identical', async () => {
  const cache = cacheDir();
  const first = await fetchFrom(SEED_STATIC_FIXTURE, ['--quiet'], cache);
  assert.equal(first.result.status, 0, first.result.stderr);
  const before = [readFileSync(join(cache, 'instance.json')), readFileSync(join(cache, 'instance-sensitive.json'))];

  const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE, proxySecret: 'right' });
  const front = await signingFront(emulator.url, 'wrong');
  try {
    const result = await runCli(['fetch', '--endpoint', front.url, '--cache-dir', cache, '--json']);
    assert.equal(result.status, 5, result.stderr);
    oneErrorLine(result, /403 Forbidden.*shared_secret/);
  } finally {
    await front.close();
    await emulator.stop();
  }
  assert.deepEqual([readFileSync(join(cache, 'instance.json')), readFileSync(join(cache, 'instance-sensitive.json'))], before);
});

test('proxy mode through a correctly signing front: exit 0', async () => {
  const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE, proxySecret: 'right' });
  const front = await signingFront(emulator.url, 'right');
  try {
    const result = await runCli(['fetch', '--endpoint', front.url, '--cache-dir', cacheDir(), '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Instance).hostname, 'dvr3-demo12.novalocal');
  } finally {
    await front.close();
    await emulator.stop();
  }
});

test('--source configdrive:DIR reads a directory tree, no network', async () => {
  const drive = join(work, 'drive');
  cpSync(join(NOVA_FIXTURES, 'seed-static', 'openstack', '2020-10-14'), join(drive, 'openstack', '2020-10-14'), { recursive: true });
  const result = await runCli(['fetch', '--source', `configdrive:${drive}`, '--cache-dir', cacheDir(), '--json']);
  assert.equal(result.status, 0, result.stderr);
  const doc = JSON.parse(result.stdout) as Instance;
  assert.equal(doc.source.kind, 'configdrive');
  assert.equal(doc.source.endpoint, drive);
  assert.equal(doc.routes?.length, 3);
});

test('a config drive with malformed JSON: exit 5 naming the file', async () => {
  const drive = join(work, 'bad-drive');
  cpSync(join(NOVA_FIXTURES, 'seed-static', 'openstack', '2020-10-14'), join(drive, 'openstack', '2020-10-14'), { recursive: true });
  writeFileSync(join(drive, 'openstack', '2020-10-14', 'meta_data.json'), '{"uuid": "x", ');
  const result = await runCli(['fetch', '--source', `configdrive:${drive}`, '--cache-dir', cacheDir()]);
  assert.equal(result.status, 5, result.stderr);
  oneErrorLine(result, /meta_data\.json.*malformed JSON/);
});

for (const [args, pattern] of [
  [['--timeout', 'abc'], /--timeout "abc"/],
  [['--timeout', '0'], /--timeout "0"/],
  [['--timeout', '-3'], /--timeout "-3"/],
  [['--source', 'floppy'], /--source "floppy"/],
] as [string[], RegExp][]) {
  test(`usage error: ${args.join(' ')} -> exit 2`, async () => {
    const result = await runCli(['fetch', '--endpoint', 'http://127.0.0.1:9', '--cache-dir', cacheDir(), ...args]);
    assert.equal(result.status, 2, result.stderr);
    oneErrorLine(result, pattern);
  });
}

test('Ctrl-C stops a fetch that is waiting on a silent service at once, by the signal', async () => {
  const sockets: Socket[] = [];
  const blackhole = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  const { port } = blackhole.address() as AddressInfo;
  const cache = cacheDir();
  const child = spawn(process.execPath, [BIN, 'fetch', '--endpoint', `http://127.0.0.1:${port}`, '--cache-dir', cache, '--timeout', '60'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await once(blackhole, 'connection');
    child.kill('SIGINT');
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGINT', `exited with ${code}`);
    assert.ok(!existsSync(join(cache, 'instance.json')));
  } finally {
    child.kill('SIGKILL');
    for (const socket of sockets) socket.destroy();
    blackhole.close();
  }
});

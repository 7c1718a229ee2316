// `mdctl boot` as a process on loopback: fetch then apply, state per instance, waiting for the service, the run lock.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PASSWD, makeRoot, removeRoots, snapshot } from '../appliers/root.js';
import { runCli, stderrLine } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator } from '../helpers/emulator.js';

after(removeRoots);

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };

function dirs(): { root: string; args: string[]; state: string; cache: string } {
  const root = makeRoot({ 'etc/passwd': PASSWD });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  const state = makeRoot();
  const cache = makeRoot();
  const config = join(makeRoot({ 'config.yaml': '' }), 'config.yaml');
  return { root, state, cache, args: ['--root', root, '--no-live', '--state-dir', state, '--cache-dir', cache, '--config', config] };
}

test('boot fetches, caches, applies and records what it added for the instance', async () => {
  const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE });
  try {
    const d = dirs();
    const result = await runCli(['boot', '--endpoint', emulator.url, ...d.args], { env: ENV });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(readFileSync(join(d.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
    assert.ok(existsSync(join(d.cache, 'instance.json')));
    const state = JSON.parse(readFileSync(join(d.state, 'instances/795fed3a-431a-4b89-bd80-ffac22196e72.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(state.schema, 1);
    for (const id of ['hostname', 'routes', 'ssh-keys']) assert.ok(id in (state.appliers as object), id);
    assert.equal(existsSync(join(d.state, 'lock')), false, 'the lock is released');
  } finally {
    await emulator.stop();
  }
});

test('boot keeps trying until the service answers', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const d = dirs();
  // The service starts once boot has found it down and says it is waiting.
  const waiting = stderrLine(/^waiting for the metadata service /m);
  const booting = runCli(['boot', '--endpoint', `http://127.0.0.1:${port}`, '--timeout', '30', '--only', 'hostname', ...d.args], { env: ENV, timeoutMs: 40_000, onStderr: waiting.onStderr });
  await Promise.race([waiting.seen, booting]);
  const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE, port });
  try {
    const result = await booting;
    assert.equal(result.status, 0, result.stderr);
    assert.equal(readFileSync(join(d.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  } finally {
    await emulator.stop();
  }
});

test('when the deadline cuts the last attempt short, boot names the failure that kept it trying', async () => {
  // The first request gets a 503 with a Retry-After past any deadline (the attempt ends there), every later one no answer at all.
  let answered = false;
  const server = createHttpServer((_req, res) => {
    if (answered) return;
    answered = true;
    res.writeHead(503, { 'retry-after': '3600' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const d = dirs();
    const result = await runCli(['boot', '--endpoint', `http://127.0.0.1:${port}`, '--timeout', '6', '--only', 'hostname', ...d.args], { env: ENV, timeoutMs: 40_000 });
    assert.equal(result.status, 4, result.stderr);
    assert.match(result.stderr, /^mdctl: metadata service "[^"]+": GET \/openstack: HTTP 503 \(Retry-After "3600" ends past the deadline\) after 1 try; the last attempt was cut short by the deadline/m);
    assert.equal(existsSync(join(d.cache, 'instance.json')), false);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('an unknown applier id is a usage error before any fetch: exit 2 at once, not after the deadline', async () => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const d = dirs();
    const result = await runCli(['boot', '--endpoint', `http://127.0.0.1:${port}`, '--timeout', '60', '--only', 'nope', ...d.args], { env: ENV, timeoutMs: 20_000 });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /^mdctl: unknown applier "nope"/);
    assert.equal(existsSync(join(d.cache, 'instance.json')), false);
  } finally {
    server.close();
  }
});

test('boot gives up at the deadline with exit 4, having changed nothing', async () => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const d = dirs();
    const before = snapshot(d.root);
    const result = await runCli(['boot', '--endpoint', `http://127.0.0.1:${port}`, '--timeout', '2', ...d.args], { env: ENV });
    assert.equal(result.status, 4, result.stderr);
    assert.match(result.stderr, /^mdctl: metadata service "http:\/\/127\.0\.0\.1:\d+": /m);
    assert.deepEqual(snapshot(d.root), before);
  } finally {
    server.close();
  }
});

test('a second boot while one holds the lock waits for it, then exits 1 having changed nothing', async () => {
  const d = dirs();
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  writeFileSync(join(d.state, 'lock'), `${process.pid} ${bootId}\n`);
  const before = snapshot(d.root);
  const result = await runCli(['boot', '--endpoint', 'http://127.0.0.1:9', '--timeout', '1', ...d.args], { env: ENV });
  assert.equal(result.status, 1);
  assert.match(result.stderr, new RegExp(`^mdctl: cannot lock ".*/lock": another mdctl \\(pid ${process.pid}\\) is running \\(wait for it to finish; nothing was changed\\)\\n$`));
  assert.deepEqual(snapshot(d.root), before);
  assert.equal(readFileSync(join(d.state, 'lock'), 'utf8'), `${process.pid} ${bootId}\n`);
});

test('the config file sets the boot deadline', async () => {
  const d = dirs();
  const config = join(makeRoot({ 'config.yaml': 'boot_timeout: 1\n' }), 'config.yaml');
  const result = await runCli(['boot', '--endpoint', 'http://127.0.0.1:9', ...d.args, '--config', config], { env: ENV, timeoutMs: 20_000 });
  assert.equal(result.status, 4, result.stderr);
});

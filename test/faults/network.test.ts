// Fault matrix, network rows: `mdctl boot` against a service that fails in each way; exit status, one line, nothing touched (see matrix.ts).
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { cleanup, createNetns, uniqueName, wrap } from '../helpers/netns.js';
import {
  META,
  boot,
  bootReportSays,
  cacheDocument,
  cleanResult,
  emulatorWith,
  everything,
  failedWith,
  makeBox,
  removeWork,
  tree,
  type Box,
} from './matrix.js';

const EMPTY_NS = uniqueName('h7fe');
const servers: Server[] = [];

after(async () => {
  for (const server of servers) server.close();
  await cleanup();
  removeWork();
});

function listen<T extends Server>(server: T): Promise<{ server: T; url: string }> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

/** A loopback HTTP server that answers some requests itself and passes the rest to `upstream`. */
async function front(upstream: string, answer: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<string> {
  const server = createHttpServer((req, res) => {
    if (answer(req, res)) return;
    const forward = request(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: req.headers, agent: false }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return (await listen(server)).url;
}

/** Boot against `endpoint`; the run must fail with `status` and `cause`, leaving root, cache and state as they were. */
async function refused(box: Box, endpoint: string, timeoutSeconds: number, status: number, cause: RegExp): Promise<void> {
  const before = everything(box);
  const result = await boot(box, endpoint, timeoutSeconds);
  failedWith(result, status, cause);
  assert.deepEqual(everything(box), before);
  bootReportSays(box, status);
}

/** Boot succeeded and left exactly what a clean boot leaves. */
async function likeClean(box: Box, result: { status: number | null; stderr: string }): Promise<void> {
  assert.equal(result.status, 0, result.stderr);
  const clean = await cleanResult();
  assert.deepEqual(tree(box.root), clean.root);
  assert.equal(cacheDocument(box), clean.cache);
}

test('connection refused: exit 4, "connection refused", nothing touched', async () => {
  const { server, url } = await listen(createServer());
  await new Promise((resolve) => server.close(resolve));
  await refused(await makeBox(), url, 5, 4, /connection refused/);
});

test('no route (an empty network namespace, no --endpoint): exit 4 naming both route files, nothing touched', async () => {
  await createNetns(EMPTY_NS);
  const box = await makeBox();
  const before = everything(box);
  const result = await boot(box, undefined, 2, { wrap: wrap(EMPTY_NS) });
  failedWith(result, 4, /no route to 169\.254\.169\.254 .*\/proc\/net\/route.*no IPv6 link-local interface/);
  assert.deepEqual(everything(box), before);
  bootReportSays(box, 4);
});

test('a blackhole (accepts, never answers) with --timeout 2: exit 4, timed out, nothing touched', async () => {
  const sockets: Socket[] = [];
  const { url } = await listen(createServer((socket) => void sockets.push(socket)));
  try {
    await refused(await makeBox(), url, 2, 4, /GET \/openstack: timed out/);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
});

test('an answer that is not HTTP at all: exit 5 at once, one connection, naming the cause, nothing touched', async () => {
  const sockets: Socket[] = [];
  const { url } = await listen(
    createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    }),
  );
  const started = Date.now();
  await refused(await makeBox(), url, 30, 5, /GET \/openstack: the answer is not valid HTTP: .*\(HPE_[A-Z_]+\)$/m);
  assert.ok(Date.now() - started < 10_000, 'not retried until the 30 s deadline');
  assert.equal(sockets.length, 1);
});

test('a slow drip (1 byte/s) of meta_data.json: exit 4 at the deadline naming the file, nothing touched', async () => {
  const emulator = await emulatorWith([{ path: META, drip: 1 }]);
  try {
    await refused(await makeBox(), emulator.url, 6, 4, /meta_data\.json: timed out/);
  } finally {
    await emulator.stop();
  }
});

test('a reset in the middle of the body, every time: exit 4 naming the file, nothing touched', async () => {
  const emulator = await emulatorWith([{ path: META, reset: 'middle' }]);
  try {
    await refused(await makeBox(), emulator.url, 5, 4, /meta_data\.json: connection (reset|closed)/);
  } finally {
    await emulator.stop();
  }
});

test('500 then 200: retried, exit 0, exactly what a clean boot leaves', async () => {
  const emulator = await emulatorWith([{ path: META, status: 500, times: 1 }]);
  try {
    const box = await makeBox();
    await likeClean(box, await boot(box, emulator.url, 10));
    assert.equal((await emulator.requests()).filter((r) => r.path === META).length, 2);
  } finally {
    await emulator.stop();
  }
});

test('429 with Retry-After: 1 on the index: the next try waits at least a second, then exit 0 like a clean boot', async () => {
  const emulator = await emulatorWith();
  const times: number[] = [];
  try {
    const url = await front(emulator.url, (req, res) => {
      if (req.url !== '/openstack') return false;
      times.push(Date.now());
      if (times.length > 1) return false;
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('slow down\n');
      return true;
    });
    const box = await makeBox();
    await likeClean(box, await boot(box, url, 10));
    assert.equal(times.length, 2);
    assert.ok(times[1]! - times[0]! >= 950, `retried after ${times[1]! - times[0]!} ms`);
  } finally {
    await emulator.stop();
  }
});

test('429 with a Retry-After past the deadline: exit 4 naming Retry-After, nothing touched', async () => {
  const url = await front('http://127.0.0.1:9', (_req, res) => {
    res.writeHead(429, { 'retry-after': '3600', 'content-type': 'text/plain' }).end('come back in an hour\n');
    return true;
  });
  await refused(await makeBox(), url, 10, 4, /GET \/openstack: HTTP 429 \(Retry-After "3600" ends past the deadline\)/);
});

test('403 on /openstack (wrong proxy secret): exit 5 at once, one request, nothing touched', async () => {
  const emulator = await emulatorWith([{ path: '/openstack', status: 403 }]);
  try {
    await refused(await makeBox(), emulator.url, 30, 5, /GET "\/openstack": 403 Forbidden.*metadata_proxy_shared_secret/);
    assert.deepEqual((await emulator.requests()).map((r) => `${r.method} ${r.path}`), ['GET /openstack']);
  } finally {
    await emulator.stop();
  }
});

const refusals: [string, object, RegExp][] = [
  ['404 on meta_data.json', { path: META, status: 404 }, /meta_data\.json.*404 Not Found/],
  ['truncated JSON served as complete', { path: META, status: 200, body: '{"uuid": "795fed3a-431a', content_type: 'application/json' }, /meta_data\.json.*malformed JSON/],
  ['JSON of the wrong shape (uuid a number)', { path: META, status: 200, body: '{"uuid": 795, "hostname": ["a"]}', content_type: 'application/json' }, /meta_data\.json: uuid: not a string \(got a number\)/],
  ['JSON of the wrong shape (a list)', { path: META, status: 200, body: '[1, 2, 3]', content_type: 'application/json' }, /meta_data\.json: \(document\): not an object \(got an array\)/],
  ['a redirect to another host', { path: META, redirect: 'http://127.0.0.2:9/evil/meta_data.json' }, /meta_data\.json: redirect to another host refused: "http:\/\/127\.0\.0\.2:9\/evil\/meta_data\.json"/],
  ['an HTML error page with status 200', { path: META, status: 200, body: '<!DOCTYPE html><html><body>502 Bad Gateway</body></html>', content_type: 'text/html' }, /meta_data\.json.*HTML page where JSON belongs/],
];

for (const [title, rule, cause] of refusals) {
  test(`${title}: exit 5 naming the file, nothing touched`, async () => {
    const emulator = await emulatorWith([rule]);
    try {
      await refused(await makeBox(), emulator.url, 10, 5, cause);
    } finally {
      await emulator.stop();
    }
  });
}

test('a 50 MiB body: exit 5 at the 1 MiB cap, the download cut off long before the end, nothing touched', async () => {
  const emulator = await emulatorWith();
  let sent = 0;
  let closed = (): void => undefined;
  const closedAt = new Promise<number>((resolve) => (closed = () => resolve(sent)));
  try {
    const url = await front(emulator.url, (req, res) => {
      if (req.url !== META) return false;
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const total = 50 * 1024 * 1024;
      const pump = (): void => {
        while (sent < total && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      res.on('close', closed);
      pump();
      return true;
    });
    await refused(await makeBox(), url, 30, 5, /meta_data\.json: body larger than 1048576 bytes refused/);
    const at = await closedAt;
    assert.ok(at < 50 * 1024 * 1024, `the client read all ${at} bytes`);
  } finally {
    await emulator.stop();
  }
});

// The HTTP client against real loopback servers: statuses, retries, redirects, body cap, resets, timeouts, proxy, close().
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { Deadline } from '../../src/core/deadline.js';
import { MdctlError } from '../../src/core/errors.js';
import { createClient } from '../../src/net/http.js';
import type { ClientOptions, MetadataClient } from '../../src/net/types.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, count: number) => void;

interface TestServer {
  base: string;
  port: number;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  connections: number;
  /** Resolves when a connection the server accepted has closed. */
  socketClosed: Promise<void>;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const clients: MetadataClient[] = [];

after(async () => {
  for (const client of clients) client.close();
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(handler: Handler, host = '127.0.0.1'): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  let markClosed: () => void = () => undefined;
  const socketClosed = new Promise<void>((resolve) => (markClosed = resolve));
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, requests.length);
    });
  });
  const state: TestServer = {
    base: '',
    port: 0,
    requests,
    connections: 0,
    socketClosed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket) => {
    state.connections += 1;
    socket.on('close', markClosed);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  state.port = (server.address() as AddressInfo).port;
  state.base = `http://${host.includes(':') ? `[${host}]` : host}:${state.port}`;
  servers.push(state);
  return state;
}

/** A deadline whose clock jumps forward when the client sleeps, so retries take no real time. */
function fastTime(totalMs: number): Pick<ClientOptions, 'deadline' | 'sleep' | 'random'> & { slept: number[] } {
  let skipped = 0;
  const slept: number[] = [];
  return {
    deadline: new Deadline(totalMs, () => Date.now() + skipped),
    sleep: async (ms) => {
      slept.push(ms);
      skipped += ms;
    },
    random: () => 0.5,
    slept,
  };
}

function client(base: string, options: Partial<ClientOptions> = {}): MetadataClient {
  const c = createClient(base, { ...fastTime(10_000), ...options });
  clients.push(c);
  return c;
}

function isError(code: string, ...parts: (string | RegExp)[]): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof MdctlError, `expected MdctlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const part of parts) {
      if (typeof part === 'string') assert.ok(e.message.includes(part), `${JSON.stringify(e.message)} lacks ${part}`);
      else assert.match(e.message, part);
    }
    return true;
  };
}

describe('statuses', () => {
  test('200: body, headers and URL; one keep-alive connection for several requests', async () => {
    const server = await serve((req, res) => res.setHeader('content-type', 'text/plain').end(`hello ${req.url}`));
    const log: string[] = [];
    const c = client(server.base, { log: (line) => log.push(line) });
    const first = await c.request('/openstack');
    const second = await c.request('/openstack/latest/meta_data.json');
    assert.equal(first.status, 200);
    assert.equal(first.body.toString(), 'hello /openstack');
    assert.equal(first.headers['content-type'], 'text/plain');
    assert.equal(first.url, `${server.base}/openstack`);
    assert.equal(second.body.toString(), 'hello /openstack/latest/meta_data.json');
    assert.equal(server.connections, 1);
    assert.equal(server.requests[0]?.headers['user-agent'], 'mdctl');
    assert.match(log[0] ?? '', /^GET http:\/\/127\.0\.0\.1:\d+\/openstack \(try 1\): 200 in \d+ ms$/);
  });

  test('404 and 403 are returned at once, not retried', async () => {
    const server = await serve((req, res) => res.writeHead(req.url === '/missing' ? 404 : 403).end('no'));
    const time = fastTime(10_000);
    const c = client(server.base, time);
    assert.equal((await c.request('/missing')).status, 404);
    assert.equal((await c.request('/secret')).status, 403);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(time.slept, []);
  });

  test('503 then 200 is retried after a backoff', async () => {
    const server = await serve((_req, res, n) => (n === 1 ? res.writeHead(503).end('busy') : res.end('ok')));
    const time = fastTime(10_000);
    const response = await client(server.base, time).request('/openstack');
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'ok');
    assert.equal(server.requests.length, 2);
    assert.equal(time.slept.length, 1);
  });

  test('429 with Retry-After is honoured; 408 and 500 are retried too', async () => {
    const server = await serve((_req, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '3' }).end();
      else if (n === 2) res.writeHead(408).end();
      else if (n === 3) res.writeHead(500).end();
      else res.end('ok');
    });
    const time = fastTime(10_000);
    const response = await client(server.base, time).request('/x');
    assert.equal(response.status, 200);
    assert.equal(server.requests.length, 4);
    assert.equal(time.slept[0], 3000);
  });

  test('a Retry-After past the deadline stops with ERR_UNREACHABLE naming it', async () => {
    const server = await serve((_req, res) => res.writeHead(503, { 'retry-after': '60' }).end());
    await assert.rejects(
      client(server.base, fastTime(5000)).request('/openstack'),
      isError('ERR_UNREACHABLE', 'GET /openstack: HTTP 503', 'Retry-After "60"', 'after 1 try'),
    );
    assert.equal(server.requests.length, 1);
  });

  test('5xx until the deadline: ERR_UNREACHABLE with the try count', async () => {
    const server = await serve((_req, res) => res.writeHead(502).end());
    await assert.rejects(
      client(server.base, fastTime(3000)).request('/openstack'),
      isError('ERR_UNREACHABLE', /^GET \/openstack: HTTP 502 after \d+ tries$/),
    );
    assert.ok(server.requests.length > 2);
  });

  test('retry: false returns a 503 as it is', async () => {
    const server = await serve((_req, res) => res.writeHead(503).end());
    assert.equal((await client(server.base).request('/x', { retry: false })).status, 503);
    assert.equal(server.requests.length, 1);
  });

  test('PUT with a body and headers (an IMDSv2 token request), client headers on every request', async () => {
    const server = await serve((req, res) => res.end(req.method === 'PUT' ? 'token' : 'data'));
    const c = client(server.base, { headers: { 'x-extra': 'yes' } });
    const token = await c.request('/latest/api/token', {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
    });
    assert.equal(token.body.toString(), 'token');
    assert.equal(server.requests[0]?.method, 'PUT');
    assert.equal(server.requests[0]?.headers['x-aws-ec2-metadata-token-ttl-seconds'], '21600');
    assert.equal(server.requests[0]?.headers['x-extra'], 'yes');
    await c.request('/x', { method: 'POST', body: 'secret' });
    assert.equal(server.requests[1]?.body, 'secret');
  });

  test('IPv6 loopback base', async () => {
    const server = await serve((_req, res) => res.end('six'), '::1');
    const response = await client(server.base).request('/');
    assert.equal(response.body.toString(), 'six');
    assert.equal(server.requests[0]?.headers.host, `[::1]:${server.port}`);
  });
});

describe('redirects', () => {
  test('a same-host redirect is followed and the final URL reported', async () => {
    const server = await serve((req, res) =>
      req.url === '/openstack' ? res.writeHead(302, { location: '/openstack/' }).end() : res.end(`at ${req.url}`),
    );
    const response = await client(server.base).request('/openstack');
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'at /openstack/');
    assert.equal(response.url, `${server.base}/openstack/`);
  });

  test('a redirect to another host is refused, naming the path and the target, without contacting it', async () => {
    const other = await serve((_req, res) => res.end('evil'));
    const target = `http://127.0.0.2:${other.port}/steal`;
    const server = await serve((_req, res) => res.writeHead(301, { location: target }).end());
    await assert.rejects(
      client(server.base).request('/openstack/latest/meta_data.json'),
      isError('ERR_REDIRECT', 'GET /openstack/latest/meta_data.json', JSON.stringify(target)),
    );
    assert.equal(server.requests.length, 1);
    assert.equal(other.requests.length, 0);
  });

  test('a redirect loop ends in ERR_REDIRECT', async () => {
    const server = await serve((_req, res) => res.writeHead(307, { location: '/again' }).end());
    await assert.rejects(client(server.base).request('/loop'), isError('ERR_REDIRECT', 'GET /loop', 'redirects'));
  });
});

describe('bodies', () => {
  test('a 2 MiB body is refused with the path; the client stops reading long before the end', async () => {
    const total = 50 * 1024 * 1024;
    let written = 0;
    const server = await serve((_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
    await assert.rejects(
      client(server.base).request('/openstack/latest/user_data'),
      isError('ERR_BODY_TOO_LARGE', 'GET /openstack/latest/user_data', '1048576'),
    );
    await server.socketClosed;
    assert.ok(written < total, `server wrote all ${written} bytes`);
    assert.equal(server.requests.length, 1);
  });

  test('a declared Content-Length over the cap is refused before reading; maxBytes per request', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-length': '2000' }).end('y'.repeat(2000)));
    const c = client(server.base);
    await assert.rejects(c.request('/big', { maxBytes: 1000 }), isError('ERR_BODY_TOO_LARGE', 'GET /big', '1000'));
    assert.equal((await c.request('/big', { maxBytes: 2000 })).body.length, 2000);
  });

  test('a reset mid-body is a transport error: retried, and reported when retries are off', async () => {
    const server = await serve((_req, res, n) => {
      res.writeHead(200, { 'content-length': '100' });
      if (n === 1 || n === 3) {
        res.write('x'.repeat(50), () => res.socket?.destroy());
      } else {
        res.end('z'.repeat(100));
      }
    });
    const c = client(server.base);
    assert.equal((await c.request('/file')).body.toString(), 'z'.repeat(100));
    assert.equal(server.requests.length, 2);
    await assert.rejects(c.request('/file', { retry: false }), isError('ERR_UNREACHABLE', /^GET \/file: connection closed before the body ended .*after 1 try$/));
  });
});

describe('transport', () => {
  test('a blackhole (accepts, never answers) ends in ERR_TIMEOUT when the deadline passes', async () => {
    const sockets: net.Socket[] = [];
    const hole = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const port = (hole.address() as AddressInfo).port;
    try {
      const c = client(`http://127.0.0.1:${port}`, { deadline: new Deadline(1500), attemptTimeoutMs: 300, sleep: undefined });
      await assert.rejects(c.request('/openstack'), isError('ERR_TIMEOUT', /^GET \/openstack: timed out \(ETIMEDOUT\) after \d+ tries$/));
      assert.ok(sockets.length >= 2, `only ${sockets.length} tries`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hole.close(() => resolve()));
    }
  });

  test('a dripping body cannot outlive the attempt timeout', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('.')), 20);
      res.on('close', () => clearInterval(timer));
    });
    const c = client(server.base, { deadline: new Deadline(800), attemptTimeoutMs: 200, sleep: undefined });
    await assert.rejects(c.request('/drip'), isError('ERR_TIMEOUT', 'GET /drip: timed out'));
  });

  test('connection refused: ERR_UNREACHABLE after several tries', async () => {
    const server = await serve((_req, res) => res.end());
    const { base } = server;
    await server.close();
    await assert.rejects(
      client(base, fastTime(2000)).request('/openstack'),
      isError('ERR_UNREACHABLE', /^GET \/openstack: connection refused \(ECONNREFUSED\) after \d+ tries$/),
    );
  });

  test('resets, then a last try the deadline cuts short: the resets are the cause reported', async () => {
    const sockets: net.Socket[] = [];
    let connections = 0;
    // Two connections reset at once; the third is accepted and never answered.
    const flaky = net.createServer((socket) => {
      connections += 1;
      if (connections <= 2) socket.resetAndDestroy();
      else sockets.push(socket);
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const port = (flaky.address() as AddressInfo).port;
    try {
      const c = client(`http://127.0.0.1:${port}`, { deadline: new Deadline(1500), attemptTimeoutMs: 5000, sleep: undefined });
      await assert.rejects(
        c.request('/openstack'),
        isError('ERR_UNREACHABLE', /^GET \/openstack: connection reset \(ECONNRESET\) after 3 tries, the last cut short by the deadline$/),
      );
      assert.equal(connections, 3);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => flaky.close(() => resolve()));
    }
  });

  test('an answer that is not HTTP is ERR_BAD_CONTENT at once, never retried', async () => {
    let connections = 0;
    const garbage = net.createServer((socket) => {
      connections += 1;
      socket.once('data', () => socket.end('garbage garbage\r\n\r\n'));
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    const port = (garbage.address() as AddressInfo).port;
    try {
      await assert.rejects(
        client(`http://127.0.0.1:${port}`).request('/openstack'),
        isError('ERR_BAD_CONTENT', /^GET \/openstack: the answer is not valid HTTP: .* \(HPE_INVALID_CONSTANT\)$/),
      );
      assert.equal(connections, 1);
    } finally {
      await new Promise<void>((resolve) => garbage.close(() => resolve()));
    }
  });

  test('an expired deadline fails at once with ERR_TIMEOUT', async () => {
    const server = await serve((_req, res) => res.end());
    await assert.rejects(client(server.base, { deadline: new Deadline(0) }).request('/x'), isError('ERR_TIMEOUT', 'GET /x'));
    assert.equal(server.requests.length, 0);
  });

  test('HTTP_PROXY and friends are ignored', async () => {
    const dead = net.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const names = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'];
    const saved = names.map((name) => process.env[name]);
    for (const name of names) process.env[name] = `http://127.0.0.1:${deadPort}`;
    delete process.env.NO_PROXY;
    try {
      const server = await serve((_req, res) => res.end('direct'));
      const response = await client(server.base).request('/openstack', { retry: false });
      assert.equal(response.body.toString(), 'direct');
      assert.equal(server.requests[0]?.url, '/openstack');
    } finally {
      names.forEach((name, i) => {
        const value = saved[i];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      });
    }
  });

  test('close() aborts a request in flight and the retries waiting', async () => {
    const server = await serve(() => undefined);
    const c = createClient(server.base, { deadline: new Deadline(60_000) });
    const pending = c.request('/slow');
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    c.close();
    await assert.rejects(pending, isError('ERR_UNREACHABLE', 'GET /slow: aborted (client closed)'));
    await server.socketClosed;
    await assert.rejects(c.request('/after'), isError('ERR_UNREACHABLE', 'aborted'));

    const busy = await serve((_req, res) => res.writeHead(503).end());
    const sleeper = createClient(busy.base, { deadline: new Deadline(60_000), sleep: () => new Promise<void>(() => undefined) });
    const waiting = sleeper.request('/busy');
    while (busy.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    sleeper.close();
    await assert.rejects(waiting, isError('ERR_UNREACHABLE'));
    assert.equal(busy.requests.length, 1);
  });
});

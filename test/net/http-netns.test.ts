// The client reaches fe80::a9fe:a9fe through an IPv6 zone: a server in a "host" namespace, discovery and client in a "guest" one.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { addAddr, cleanup, createNetns, exec, uniqueName, vethPair, waitForLinkLocal, wrap } from '../helpers/netns.js';

const HOST_NS = uniqueName('h2nh');
const GUEST_NS = uniqueName('h2ng');
const HOST_IF = uniqueName('h2nv');
const GUEST_IF = 'eth0';

const src = (path: string): string => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

/** Echoes what the server saw: method, URL, Host header. */
const SERVER = `
import http from 'node:http';
const [address, port] = process.argv.slice(1);
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ url: req.url, host: req.headers.host, remote: req.socket.remoteAddress }));
});
server.listen(Number(port), address, () => process.stdout.write('ready\\n'));
`;

/** Discovers the candidates from the guest's own /proc and /sys, then asks the first IPv6 one. */
const CLIENT = `
const [routeJs, endpointsJs, httpJs, deadlineJs] = process.argv.slice(1);
const { readRoutes } = await import(routeJs);
const { candidates } = await import(endpointsJs);
const { createClient } = await import(httpJs);
const { Deadline } = await import(deadlineJs);
const report = await readRoutes('/');
const list = candidates(report);
const v6 = list.find((c) => c.kind === 'ipv6');
const client = createClient(v6.base, { deadline: new Deadline(10000) });
try {
  const response = await client.request('/openstack');
  process.stdout.write(JSON.stringify({ report, list, status: response.status, url: response.url, body: JSON.parse(response.body.toString()) }));
} catch (error) {
  process.stdout.write(JSON.stringify({ report, list, error: error.code + ' ' + error.message }));
} finally {
  client.close();
}
`;

let server: ChildProcess | undefined;

before(async () => {
  await createNetns(HOST_NS);
  await createNetns(GUEST_NS);
  await vethPair({ hostNs: HOST_NS, guestNs: GUEST_NS, hostIf: HOST_IF, guestIf: GUEST_IF });
  await addAddr(HOST_NS, HOST_IF, 'fe80::a9fe:a9fe/64');
  await waitForLinkLocal(GUEST_NS, GUEST_IF);
  const child = spawn(
    'ip',
    [...wrap(HOST_NS).slice(1), process.execPath, '--input-type=module', '-e', SERVER, `fe80::a9fe:a9fe%${HOST_IF}`, '80'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  server = child;
  await new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (text: string) => text.includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
});

after(async () => {
  server?.kill();
  await cleanup();
});

test('guest discovers fe80::a9fe:a9fe%eth0 and reaches the host over it, Host header without the zone', async () => {
  const { stdout } = await exec(GUEST_NS, [
    process.execPath,
    '--input-type=module',
    '-e',
    CLIENT,
    src('net/route.js'),
    src('net/endpoints.js'),
    src('net/http.js'),
    src('core/deadline.js'),
  ]);
  const result = JSON.parse(stdout) as {
    report: { ipv4: unknown; ipv6: { zone: string }[] };
    list: { kind: string; base: string }[];
    status?: number;
    url?: string;
    body?: { url: string; host: string; remote: string };
    error?: string;
  };
  assert.equal(result.error, undefined);
  assert.equal(result.report.ipv4, null);
  assert.deepEqual(result.report.ipv6, [{ address: 'fe80::a9fe:a9fe', zone: GUEST_IF, interface: GUEST_IF }]);
  assert.deepEqual(result.list, [{ kind: 'ipv6', base: 'http://[fe80::a9fe:a9fe%25eth0]', interface: GUEST_IF }]);
  assert.equal(result.status, 200);
  assert.equal(result.url, 'http://[fe80::a9fe:a9fe%25eth0]/openstack');
  assert.equal(result.body?.url, '/openstack');
  assert.equal(result.body?.host, '[fe80::a9fe:a9fe]');
  assert.match(result.body?.remote ?? '', /^fe80::/);
});

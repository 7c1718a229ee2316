// `mdctl doctor` without --endpoint inside guest namespaces: no route, nothing listening, a Neutron proxy that answers 400 or 403, and the healthy path.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { SEED_DHCP_FIXTURE, startEmulator, type Emulator } from '../helpers/emulator.js';
import { addAddr, addRoute, cleanup, createNetns, uniqueName, vethPair, waitForLinkLocal, wrap } from '../helpers/netns.js';

/** One "cloud" namespace per guest, so that only the healthy one has a service on 169.254.169.254:80. */
const HEALTHY_HOST = uniqueName('h8dh');
const CLOSED_HOST = uniqueName('h8dc');
const PROXY_HOST = uniqueName('h8dp');
const FORBID_HOST = uniqueName('h8df');
const FORBID = uniqueName('h8dF');
const HEALTHY = uniqueName('h8dH');
const CLOSED = uniqueName('h8dC');
const PROXY = uniqueName('h8dP');
const NO_ROUTE = uniqueName('h8d0');
const SEED_MAC = 'fa:16:3e:5b:a1:0c';
const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, HTTP_PROXY: undefined, http_proxy: undefined };

interface Hop {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
}

const emulators: Emulator[] = [];
let cacheDir = '';

/** A guest joined to its cloud namespace: the qdhcp port 192.168.0.3 holds 169.254.169.254/32; the option-121 host route. */
async function cloud(host: string, guest: string, tag: string): Promise<void> {
  const hostIf = uniqueName(tag);
  await vethPair({ hostNs: host, guestNs: guest, hostIf, guestIf: 'ens3', guestMac: SEED_MAC });
  await addAddr(host, hostIf, '192.168.0.3/24');
  await addAddr(host, hostIf, '169.254.169.254/32');
  await addAddr(guest, 'ens3', '192.168.0.233/24');
  await addRoute(guest, '169.254.169.254/32', { via: '192.168.0.3', dev: 'ens3', metric: 100 });
  await waitForLinkLocal(guest, 'ens3');
}

before(async () => {
  await Promise.all([HEALTHY_HOST, CLOSED_HOST, PROXY_HOST, FORBID_HOST, HEALTHY, CLOSED, PROXY, FORBID, NO_ROUTE].map((ns) => createNetns(ns)));
  await cloud(HEALTHY_HOST, HEALTHY, 'h8da');
  await cloud(CLOSED_HOST, CLOSED, 'h8db');
  await cloud(PROXY_HOST, PROXY, 'h8dc');
  await cloud(FORBID_HOST, FORBID, 'h8dd');
  emulators.push(await startEmulator({ wrap: wrap(HEALTHY_HOST), fixture: SEED_DHCP_FIXTURE, listen: ['169.254.169.254'], port: 80 }));
  // Nova behind no proxy at all: proxy mode wants Neutron's signed headers and nobody adds them.
  emulators.push(
    await startEmulator({ wrap: wrap(PROXY_HOST), fixture: SEED_DHCP_FIXTURE, listen: ['169.254.169.254'], port: 80, proxySecret: 'shared' }),
  );
  cacheDir = await mkdtemp(join(tmpdir(), 'mdctl-doctor-netns-'));
  // The Neutron proxy signing with the wrong shared secret: nova answers 403 on everything under /openstack.
  const faults = join(cacheDir, 'forbidden.yaml');
  await writeFile(faults, `- path: "/openstack/**"\n  status: 403\n  content_type: "text/plain; charset=UTF-8"\n  body: "403 Forbidden\\n\\nInvalid proxy request signature.\\n\\n   "\n- path: "/openstack"\n  status: 403\n  content_type: "text/plain; charset=UTF-8"\n  body: "403 Forbidden\\n\\nInvalid proxy request signature.\\n\\n   "\n`);
  emulators.push(await startEmulator({ wrap: wrap(FORBID_HOST), fixture: SEED_DHCP_FIXTURE, listen: ['169.254.169.254'], port: 80, faults }));
});

after(async () => {
  await Promise.all(emulators.map((emulator) => emulator.stop()));
  await cleanup();
  await rm(cacheDir, { recursive: true, force: true });
});

async function doctor(ns: string): Promise<{ result: CliResult; hops: Hop[] }> {
  const result = await runCli(['doctor', '--json', '--cache-dir', cacheDir], { wrap: wrap(ns), env: ENV });
  assert.equal(result.stderr, '', 'nothing on stderr with --json');
  return { result, hops: JSON.parse(result.stdout) as Hop[] };
}

function hop(hops: Hop[], id: string): Hop {
  const found = hops.find((h) => h.id === id);
  assert.ok(found, `hop ${id} reported`);
  return found;
}

/** The walk stopped at `id`: it failed, every hop before it passed or warned, every path hop after it was skipped. */
function stoppedAt(hops: Hop[], id: string): void {
  const path = ['route', 'ipv6', 'tcp', 'http', 'index', 'files'];
  const at = path.indexOf(id);
  for (const [index, name] of path.entries()) {
    const { status } = hop(hops, name);
    if (index < at) assert.ok(status === 'pass' || status === 'warn', `${name} before ${id}: ${status}`);
    else if (index === at) assert.equal(status, 'fail');
    else assert.equal(status, 'skip', `${name} after ${id}`);
  }
}

test('no route and no IPv6 interface: the route hop fails, exit 4', async () => {
  const { result, hops } = await doctor(NO_ROUTE);
  assert.equal(result.status, 4);
  stoppedAt(hops, 'route');
  assert.match(hop(hops, 'route').message, /^no route to 169\.254\.169\.254 and no IPv6 link-local interface: is the interface up, and did DHCP answer\?/);
  assert.equal(hop(hops, 'ipv6').status, 'skip');
  assert.equal(hop(hops, 'proxy-env').status, 'pass', 'the local hops still run');
});

test('a route but nothing listening: the TCP hop fails naming the refused address, exit 4', async () => {
  const { result, hops } = await doctor(CLOSED);
  assert.equal(result.status, 4);
  stoppedAt(hops, 'tcp');
  assert.match(hop(hops, 'route').message, /^169\.254\.169\.254\/32 via 192\.168\.0\.3 dev ens3 metric 100: a host route, as DHCP option 121 installs it$/);
  assert.equal(hop(hops, 'ipv6').message, 'fe80::a9fe:a9fe%ens3');
  assert.match(hop(hops, 'tcp').message, /^169\.254\.169\.254:80 refused, \[fe80::a9fe:a9fe%ens3\]:80 [a-z ]+: nothing listens there: is the metadata proxy running\?/);
});

test('a Neutron proxy that does not sign: the index hop fails with 400 and names the proxy headers, exit 5', async () => {
  const { result, hops } = await doctor(PROXY);
  assert.equal(result.status, 5);
  stoppedAt(hops, 'index');
  assert.match(hop(hops, 'http').message, /^GET \/ answered 200/, 'the version list needs no identity');
  assert.match(hop(hops, 'index').message, /400 Bad Request.*the metadata proxy did not add the X-Instance-ID headers nova expects/);
});

test('a Neutron proxy answering 403 (wrong shared secret): the index hop fails naming the secret, exit 5', async () => {
  const { result, hops } = await doctor(FORBID);
  assert.equal(result.status, 5);
  stoppedAt(hops, 'index');
  assert.match(hop(hops, 'index').message, /403 Forbidden.*metadata_proxy_shared_secret/);
});

test('the healthy path: every hop passes, exit 0, and the human form says so', async () => {
  const { result, hops } = await doctor(HEALTHY);
  assert.equal(result.status, 0, JSON.stringify(hops));
  for (const id of ['route', 'ipv6', 'tcp', 'http', 'index', 'files']) assert.equal(hop(hops, id).status, 'pass', id);
  assert.match(hop(hops, 'tcp').message, /^169\.254\.169\.254:80 connected, /);
  assert.match(hop(hops, 'index').message, /mdctl reads 2020-10-14$/);
  assert.match(hop(hops, 'files').message, /meta_data\.json: instance "795fed3a-431a-4b89-bd80-ffac22196e72", hostname "dvr3-demo12\.novalocal"$/);
  assert.equal(hop(hops, 'cache').status, 'warn');

  const human = await runCli(['doctor', '--cache-dir', cacheDir], { wrap: wrap(HEALTHY), env: ENV });
  assert.equal(human.status, 0);
  assert.match(human.stdout, /^pass {2}route {6}169\.254\.169\.254\/32 via 192\.168\.0\.3 dev ens3 metric 100: a host route/m);
  assert.equal(human.stderr, 'doctor: the path to the metadata service is healthy\n');
});

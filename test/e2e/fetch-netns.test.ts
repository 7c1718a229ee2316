// `mdctl fetch` with no --endpoint inside guest namespaces: over IPv6 link-local only, and over the seed's IPv4 host route.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { SEED_DHCP_FIXTURE, startEmulator, type Emulator } from '../helpers/emulator.js';
import { addAddr, addRoute, cleanup, createNetns, uniqueName, vethPair, waitForLinkLocal, wrap } from '../helpers/netns.js';

const HOST = uniqueName('h2fh');
const V6_GUEST = uniqueName('h2f6');
const V4_GUEST = uniqueName('h2f4');
const BARE_GUEST = uniqueName('h2f0');
const V6_HOST_IF = uniqueName('h2fa');
const V4_HOST_IF = uniqueName('h2fb');
const SEED_MAC = 'fa:16:3e:5b:a1:0c';
const SEED_UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
/** The guest's own environment must not hand it an endpoint. */
const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined };

let emulator: Emulator | undefined;
const cacheDirs: string[] = [];

before(async () => {
  await Promise.all([HOST, V6_GUEST, V4_GUEST, BARE_GUEST].map((ns) => createNetns(ns)));

  // IPv6 only: the host side of the veth holds fe80::a9fe:a9fe, as Neutron's qdhcp port does; the guest has no IPv4.
  await vethPair({ hostNs: HOST, guestNs: V6_GUEST, hostIf: V6_HOST_IF, guestIf: 'eth0', guestMac: SEED_MAC });
  await addAddr(HOST, V6_HOST_IF, 'fe80::a9fe:a9fe/64');
  await waitForLinkLocal(V6_GUEST, 'eth0');

  // The seed: the qdhcp port is 192.168.0.3 and holds 169.254.169.254/32; the guest has the option-121 host route.
  await vethPair({ hostNs: HOST, guestNs: V4_GUEST, hostIf: V4_HOST_IF, guestIf: 'ens3', guestMac: SEED_MAC });
  await addAddr(HOST, V4_HOST_IF, '192.168.0.3/24');
  await addAddr(HOST, V4_HOST_IF, '169.254.169.254/32');
  await addAddr(V4_GUEST, 'ens3', '192.168.0.233/24');
  await addRoute(V4_GUEST, '169.254.169.254/32', { via: '192.168.0.3', dev: 'ens3', metric: 100 });

  emulator = await startEmulator({
    wrap: wrap(HOST),
    fixture: SEED_DHCP_FIXTURE,
    listen: [`fe80::a9fe:a9fe%${V6_HOST_IF}`, '169.254.169.254'],
    port: 80,
  });
});

after(async () => {
  await emulator?.stop();
  await cleanup();
  await Promise.all(cacheDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function cacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mdctl-fetch-netns-'));
  cacheDirs.push(dir);
  return dir;
}

interface Document {
  instance_id: string;
  hostname: string;
  source: { kind: string; endpoint: string };
}

async function fetchIn(ns: string): Promise<{ doc: Document; dir: string }> {
  const dir = await cacheDir();
  const result = await runCli(['fetch', '--source', 'openstack', '--cache-dir', dir, '--json'], { wrap: wrap(ns), env: ENV });
  assert.equal(result.status, 0, result.stderr);
  return { doc: JSON.parse(result.stdout) as Document, dir };
}

test('a guest whose only way is IPv6 link-local fetches through fe80::a9fe:a9fe%eth0', async () => {
  const before = (await emulator!.requests()).length;
  const { doc, dir } = await fetchIn(V6_GUEST);
  assert.equal(doc.instance_id, SEED_UUID);
  assert.equal(doc.hostname, 'dvr3-demo12.novalocal');
  assert.equal(doc.source.kind, 'openstack');
  assert.equal(doc.source.endpoint, 'http://[fe80::a9fe:a9fe%25eth0]');

  const cached = JSON.parse(await readFile(join(dir, 'instance.json'), 'utf8')) as Document;
  assert.equal(cached.instance_id, SEED_UUID);
  const get = await runCli(['get', 'hostname', '--cache-dir', dir], { wrap: wrap(V6_GUEST), env: ENV });
  assert.equal(get.stdout, 'dvr3-demo12.novalocal\n');

  const requests = (await emulator!.requests()).slice(before);
  assert.ok(requests.some((r) => r.path === '/openstack/2020-10-14/meta_data.json' && r.status === 200));
  for (const r of requests) assert.match(r.remote, /^fe80::/, JSON.stringify(r));
});

test('a guest with the seed host route fetches through 169.254.169.254 via the gateway', async () => {
  const before = (await emulator!.requests()).length;
  const { doc, dir } = await fetchIn(V4_GUEST);
  assert.equal(doc.instance_id, SEED_UUID);
  assert.equal(doc.hostname, 'dvr3-demo12.novalocal');
  assert.equal(doc.source.endpoint, 'http://169.254.169.254');
  const cached = JSON.parse(await readFile(join(dir, 'instance.json'), 'utf8')) as Document;
  assert.equal(cached.hostname, 'dvr3-demo12.novalocal');

  const requests = (await emulator!.requests()).slice(before);
  assert.ok(requests.some((r) => r.path === '/openstack/2020-10-14/meta_data.json' && r.status === 200));
  for (const r of requests) assert.equal(r.remote, '192.168.0.233', JSON.stringify(r));
});

test('a guest with no route and no link-local interface fails at once with exit 4 and writes no cache', async () => {
  const dir = await cacheDir();
  const result = await runCli(['fetch', '--source', 'openstack', '--cache-dir', dir], { wrap: wrap(BARE_GUEST), env: ENV });
  assert.equal(result.status, 4);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^mdctl: route: no route to 169\.254\.169\.254 in \/proc\/net\/route and no IPv6 link-local interface in \/proc\/net\/if_inet6/);
  await assert.rejects(readFile(join(dir, 'instance.json')), { code: 'ENOENT' });
});

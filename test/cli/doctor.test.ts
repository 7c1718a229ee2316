// `mdctl doctor --endpoint` on loopback: healthy, a proxy signing with the wrong secret (403), 404, 5xx, bad metadata, proxy variables, the cache.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { EC2_ONLY_FIXTURE, SEED_STATIC_FIXTURE, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';
import { closedPort, signingFront, type Front } from '../sources/front.js';

interface Hop {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
}

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, HTTP_PROXY: undefined, http_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };

let base = '';
let healthy: Emulator | undefined;
const stops: (() => Promise<void>)[] = [];

async function started(options: Parameters<typeof startEmulator>[0]): Promise<Emulator> {
  const emulator = await startEmulator(options);
  stops.push(() => emulator.stop());
  return emulator;
}

async function doctor(endpoint: string, options: { cacheDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ result: CliResult; hops: Hop[] }> {
  const cacheDir = options.cacheDir ?? join(base, 'no-cache');
  const result = await runCli(['doctor', '--json', '--endpoint', endpoint, '--cache-dir', cacheDir], { env: { ...ENV, ...options.env } });
  assert.equal(result.stderr, '', 'nothing on stderr with --json');
  return { result, hops: JSON.parse(result.stdout) as Hop[] };
}

function hop(hops: Hop[], id: string): Hop {
  const found = hops.find((h) => h.id === id);
  assert.ok(found, `hop ${id} reported`);
  return found;
}

function failedAt(hops: Hop[], id: string, detail: RegExp): void {
  assert.deepEqual(
    hops.filter((h) => h.status === 'fail').map((h) => h.id),
    [id],
  );
  assert.match(hop(hops, id).message, detail);
}

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mdctl-doctor-'));
  healthy = await started({ fixture: SEED_STATIC_FIXTURE });
});

after(async () => {
  await Promise.all(stops.map((stop) => stop()));
  await rm(base, { recursive: true, force: true });
});

describe('mdctl doctor --endpoint', () => {
  it('a healthy service: the route hops are skipped, the rest ok, exit 0', async () => {
    const { result, hops } = await doctor(healthy!.url);
    assert.equal(result.status, 0);
    assert.deepEqual(
      hops.map((h) => [h.id, h.status]),
      [
        ['route', 'skip'],
        ['ipv6', 'skip'],
        ['tcp', 'pass'],
        ['http', 'pass'],
        ['index', 'pass'],
        ['files', 'pass'],
        ['config', 'pass'],
        ['proxy-env', 'pass'],
        ['cache', 'warn'],
      ],
    );
    assert.equal(hop(hops, 'route').message, '--endpoint given');
    assert.equal(hop(hops, 'tcp').message, `${healthy!.url.replace('http://', '')} connected`);
    assert.match(hop(hops, 'cache').message, /^no cache in .*no-cache: no `mdctl fetch` or `mdctl boot` has succeeded since boot/);
  });

  it('reports the cache age after a fetch, and warns when the cache is of another instance', async () => {
    const cacheDir = join(base, 'cache');
    const fetched = await runCli(['fetch', '--endpoint', healthy!.url, '--cache-dir', cacheDir], { env: ENV });
    assert.equal(fetched.status, 0, fetched.stderr);
    const { hops } = await doctor(healthy!.url, { cacheDir });
    assert.equal(hop(hops, 'cache').status, 'pass');
    assert.match(hop(hops, 'cache').message, /instance "795fed3a-431a-4b89-bd80-ffac22196e72" from http:\/\/127\.0\.0\.1:\d+, fetched \d+ s ago$/);

    const other = await started({ fixture: await writeFixture('instances:\n  - uuid: 11111111-2222-3333-4444-555555555555\n    hostname: other\n') });
    const moved = await doctor(other.url, { cacheDir });
    assert.equal(moved.result.status, 0);
    assert.equal(hop(moved.hops, 'cache').status, 'warn');
    assert.match(hop(moved.hops, 'cache').message, /the service now names instance "11111111-2222-3333-4444-555555555555": run `mdctl fetch`$/);
  });

  it('a Neutron proxy signing with the wrong shared secret: the index hop fails with 403 naming the secret, exit 5', async () => {
    const nova = await started({ fixture: SEED_STATIC_FIXTURE, proxySecret: 'right-secret' });
    const front: Front = await signingFront(nova.url, 'wrong-secret');
    stops.push(() => front.close());
    const { result, hops } = await doctor(front.url);
    assert.equal(result.status, 5);
    failedAt(hops, 'index', /403 Forbidden.*metadata_proxy_shared_secret does not match nova's/);
    for (const id of ['files']) assert.equal(hop(hops, id).status, 'skip');
  });

  it('the same proxy with the right secret is healthy', async () => {
    const nova = await started({ fixture: SEED_STATIC_FIXTURE, proxySecret: 'right-secret' });
    const front = await signingFront(nova.url, 'right-secret');
    stops.push(() => front.close());
    const { result, hops } = await doctor(front.url);
    assert.equal(result.status, 0, JSON.stringify(hops));
  });

  it('nothing listening: the TCP hop fails, exit 4', async () => {
    const { result, hops } = await doctor(await closedPort());
    assert.equal(result.status, 4);
    failedAt(hops, 'tcp', /^127\.0\.0\.1:\d+ refused: nothing listens there/);
    assert.deepEqual(
      hops.filter((h) => h.status === 'skip').map((h) => h.id),
      ['route', 'ipv6', 'http', 'index', 'files'],
    );
  });

  it('a service answering 503: the http hop fails, exit 4', async () => {
    const emulator = await started({ fixture: SEED_STATIC_FIXTURE, faults: await writeFixture('- path: /**\n  status: 503\n') });
    const { result, hops } = await doctor(emulator.url);
    assert.equal(result.status, 4);
    failedAt(hops, 'http', /^GET \/ answered 503: the metadata service is failing/);
  });

  it('neither tree (404 on /openstack and on /latest/meta-data/): the index hop fails, exit 5', async () => {
    const emulator = await started({ fixture: EC2_ONLY_FIXTURE, faults: await writeFixture('- path: /latest/**\n  status: 404\n') });
    const { result, hops } = await doctor(emulator.url);
    assert.equal(result.status, 5);
    failedAt(hops, 'index', /^GET \/openstack answered 404 and GET \/latest\/meta-data\/ 404: no metadata service answers at this base URL, or nova does not know an instance at this address/);
  });

  it('meta_data.json without a uuid, or not JSON: the files hop fails, exit 5', async () => {
    const noUuid = await started({
      fixture: SEED_STATIC_FIXTURE,
      faults: await writeFixture('- path: /openstack/*/meta_data.json\n  body: \'{"hostname": "x"}\'\n  content_type: application/json\n'),
    });
    const first = await doctor(noUuid.url);
    assert.equal(first.result.status, 5);
    failedAt(first.hops, 'files', /meta_data\.json: no uuid: not instance metadata$/);

    const html = await started({
      fixture: SEED_STATIC_FIXTURE,
      faults: await writeFixture('- path: /openstack/*/meta_data.json\n  body: "<html><body>portal</body></html>"\n  content_type: text/html\n'),
    });
    const second = await doctor(html.url);
    assert.equal(second.result.status, 5);
    failedAt(second.hops, 'files', /an HTML page where JSON belongs/);
  });

  it('proxy variables: a warning that hides credentials; none when NO_PROXY exempts the service', async () => {
    const warned = await doctor(healthy!.url, { env: { HTTP_PROXY: 'http://alice:s3cret@proxy.example:3128' } });
    assert.equal(warned.result.status, 0, 'a warning does not fail the walk');
    const proxy = hop(warned.hops, 'proxy-env');
    assert.equal(proxy.status, 'warn');
    assert.equal(
      proxy.message,
      'HTTP_PROXY="http://***@proxy.example:3128": mdctl ignores it, but curl, cloud-init and other tools would send metadata requests through the proxy; add 169.254.169.254 to NO_PROXY',
    );
    assert.doesNotMatch(warned.result.stdout, /s3cret/);

    const exempt = await doctor(healthy!.url, { env: { https_proxy: 'http://proxy:3128', no_proxy: 'localhost,169.254.0.0/16' } });
    assert.equal(hop(exempt.hops, 'proxy-env').status, 'pass');
    assert.match(hop(exempt.hops, 'proxy-env').message, /no_proxy exempts 169\.254\.169\.254/);
  });

  it('prints one line per hop and a verdict on stderr', async () => {
    const result = await runCli(['doctor', '--endpoint', await closedPort(), '--cache-dir', join(base, 'no-cache')], { env: ENV });
    assert.equal(result.status, 4);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 9);
    assert.match(lines[0] ?? '', /^skip {2}route {6}--endpoint given$/);
    assert.match(lines[2] ?? '', /^fail {2}tcp {8}127\.0\.0\.1:\d+ refused: /);
    assert.equal(result.stderr, 'doctor: the tcp hop fails; the hops after it were not tried\n');
  });

  it('refuses an endpoint that is not a URL with exit 2 and one line', async () => {
    const result = await runCli(['doctor', '--endpoint', 'ftp://x'], { env: ENV });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^mdctl: --endpoint "ftp:\/\/x": unsupported scheme "ftp:" \(use http/);
    assert.equal(result.stdout, '');
  });
});

// A broken optional file (network_data.json, vendor data) costs neither the hostname nor the keys: fetch warns, apply fails only what needs it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KEYS } from '../appliers/keys.js';
import { PASSWD, makeRoot, removeRoots } from '../appliers/root.js';
import { runCli } from '../helpers/cli.js';
import { openstackTree, serverPool, UUID } from '../sources/hostile.js';

const { serve, closeAll } = serverPool();
after(async () => {
  await closeAll();
  removeRoots();
});

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };
const META = JSON.stringify({ uuid: UUID, hostname: 'demo.novalocal', keys: [{ name: 'k', type: 'ssh', data: KEYS.ed25519 }] });
/** What Nova's schema never produces: a link without an id. */
const NO_LINK_ID = JSON.stringify({ links: [{ type: 'phy', ethernet_mac_address: 'fa:16:3e:00:00:01' }], networks: [], services: [] });

test('network_data.json with a link without id: fetch exits 0 with a warning, the document keeps the problem and nulls, get hostname works', async () => {
  const server = await serve(openstackTree({ 'meta_data.json': META, 'network_data.json': NO_LINK_ID, 'vendor_data.json': '[1, 2]' }));
  const cache = makeRoot();
  const fetched = await runCli(['fetch', '--endpoint', server.url, '--cache-dir', cache, '--json'], { env: ENV });
  assert.equal(fetched.status, 0, fetched.stderr);
  assert.deepEqual(fetched.stderr.trim().split('\n'), [
    'mdctl: warning: network_data.json: links[0].id: missing; that part of the document is null, and the appliers that need it fail',
    'mdctl: warning: vendor_data.json: not a JSON object (got an array); that part of the document is null, and the appliers that need it fail',
  ]);
  const doc = JSON.parse(fetched.stdout) as Record<string, unknown> & { openstack: Record<string, unknown> };
  assert.deepEqual([doc.networks, doc.routes, doc.dns_nameservers, doc.openstack.network_data, doc.openstack.vendor_data], [null, null, null, null, null]);
  assert.deepEqual(doc.problems, [
    { file: 'network_data.json', reason: 'network_data.json: links[0].id: missing' },
    { file: 'vendor_data.json', reason: 'vendor_data.json: not a JSON object (got an array)' },
  ]);
  const got = await runCli(['get', 'hostname', '--cache-dir', cache], { env: ENV });
  assert.deepEqual([got.status, got.stdout], [0, 'demo.novalocal\n']);
  const problems = await runCli(['get', 'problems.0.file', '--cache-dir', cache], { env: ENV });
  assert.equal(problems.stdout, 'network_data.json\n');
});

test('apply on that document: routes fails with the reason (exit 3), hostname and keys apply', async () => {
  const server = await serve(openstackTree({ 'meta_data.json': META, 'network_data.json': NO_LINK_ID }));
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/hosts': '127.0.0.1 localhost\n' });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  const config = join(makeRoot({ 'config.yaml': '# none\n' }), 'config.yaml');
  const args = ['--endpoint', server.url, '--root', root, '--no-live', '--cache-dir', makeRoot(), '--state-dir', makeRoot(), '--config', config, '--only', 'hostname,ssh-keys,routes'];
  const applied = await runCli(['apply', ...args], { env: ENV });
  assert.equal(applied.status, 3, applied.stderr);
  assert.match(applied.stderr, /^mdctl: routes: needs routes, networks, which the metadata does not give: network_data\.json: links\[0\]\.id: missing$/m);
  assert.match(applied.stdout, /failed: routes$/m);
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'demo\n');
  assert.match(readFileSync(join(root, 'home/alice/.ssh/authorized_keys'), 'utf8'), /test-ed25519@mdctl/);
});

test('meta_data.json that does not parse is still exit 5', async () => {
  const server = await serve(openstackTree({ 'meta_data.json': '{"uuid": ', 'network_data.json': NO_LINK_ID }));
  const fetched = await runCli(['fetch', '--endpoint', server.url, '--cache-dir', makeRoot()], { env: ENV });
  assert.equal(fetched.status, 5, fetched.stderr);
  assert.match(fetched.stderr, /^mdctl: GET "\/openstack\/2020-10-14\/meta_data\.json": malformed JSON/);
});

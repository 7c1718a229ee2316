// OpenStack crawls against scripted hostile servers: JSON nested deep enough to overflow recursive code.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MdctlError } from '../../src/core/errors.js';
import { MAX_JSON_DEPTH } from '../../src/model/depth.js';
import { crawl, nestedJson, openstackTree, serverPool, UUID } from './hostile.js';

const { serve, closeAll } = serverPool();
after(closeAll);

const META = JSON.stringify({ uuid: UUID, hostname: 'demo.novalocal' });

test(`meta_data.json nested past ${MAX_JSON_DEPTH} levels: invalid metadata naming the file, no stack overflow`, async () => {
  const server = await serve(openstackTree({ 'meta_data.json': `{"uuid":"${UUID}","meta":${nestedJson(100_000)}}` }));
  await assert.rejects(crawl(server.url), (error: unknown) => {
    assert.ok(error instanceof MdctlError, String(error));
    assert.equal(error.code, 'ERR_INVALID_METADATA');
    assert.match(error.message, new RegExp(`/openstack/2020-10-14/meta_data\\.json.*nested more than ${MAX_JSON_DEPTH} levels`));
    return true;
  });
});

for (const [file, body] of [
  ['vendor_data.json', nestedJson(MAX_JSON_DEPTH + 1)],
  ['network_data.json', `${'['.repeat(200_000)}${']'.repeat(200_000)}`],
  ['vendor_data2.json', '{"cloud-init": '],
] as const) {
  test(`optional ${file} nested past ${MAX_JSON_DEPTH} levels or malformed: a problem naming the file, the rest read, no stack overflow`, async () => {
    const server = await serve(openstackTree({ 'meta_data.json': META, [file]: body }));
    const raw = await crawl(server.url);
    assert.equal((raw.openstack?.meta_data as { uuid: string }).uuid, UUID);
    assert.equal(raw.openstack?.[file === 'network_data.json' ? 'network_data' : file === 'vendor_data.json' ? 'vendor_data' : 'vendor_data2'], undefined);
    const problems = raw.openstack?.problems ?? [];
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.file, file);
    assert.match(problems[0]?.reason ?? '', new RegExp(`/openstack/2020-10-14/${file.replace('.', '\\.')}.*(nested more than ${MAX_JSON_DEPTH} levels|malformed JSON)`));
  });
}

test('malformed vendor data: the reason never quotes its text (it is secret, the reason is public)', async () => {
  const server = await serve(openstackTree({ 'meta_data.json': META, 'vendor_data.json': '{"password": "hunter2" oops}' }));
  const raw = await crawl(server.url);
  assert.deepEqual(raw.openstack?.problems, [{ file: 'vendor_data.json', reason: 'GET "/openstack/2020-10-14/vendor_data.json": malformed JSON' }]);
});

test('an HTML page where an optional JSON file belongs is still refused (exit 5): the service is not to be trusted', async () => {
  const server = await serve((request) => {
    if (request.url === '/openstack/2020-10-14/network_data.json') return { status: 200, body: '<html><body>portal</body></html>', headers: { 'content-type': 'text/html' } };
    return openstackTree({ 'meta_data.json': META, 'network_data.json': '' })(request);
  });
  await assert.rejects(crawl(server.url), { code: 'ERR_BAD_CONTENT' });
});

test(`JSON nested exactly ${MAX_JSON_DEPTH} levels is read`, async () => {
  const server = await serve(openstackTree({ 'meta_data.json': META, 'vendor_data.json': nestedJson(MAX_JSON_DEPTH) }));
  const raw = await crawl(server.url);
  let node = raw.openstack?.vendor_data as { a: unknown } | number;
  let levels = 0;
  while (typeof node === 'object') {
    node = node.a as { a: unknown } | number;
    levels += 1;
  }
  assert.equal(levels, MAX_JSON_DEPTH);
});

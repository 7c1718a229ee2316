// OpenStack crawls against scripted hostile servers: JSON nested deep enough to overflow recursive code.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MdctlError } from '../../src/core/errors.js';
import { MAX_JSON_DEPTH } from '../../src/model/depth.js';
import { crawl, nestedJson, openstackTree, serverPool, UUID } from './hostile.js';

const { serve, closeAll } = serverPool();
after(closeAll);

const META = JSON.stringify({ uuid: UUID, hostname: 'demo.novalocal' });

for (const [file, body] of [
  ['meta_data.json', `{"uuid":"${UUID}","meta":${nestedJson(100_000)}}`],
  ['vendor_data.json', nestedJson(MAX_JSON_DEPTH + 1)],
  ['network_data.json', `${'['.repeat(200_000)}${']'.repeat(200_000)}`],
] as const) {
  test(`${file} nested past ${MAX_JSON_DEPTH} levels: invalid metadata naming the file, no stack overflow`, async () => {
    const files = { 'meta_data.json': META, [file]: body };
    const server = await serve(openstackTree(files));
    await assert.rejects(crawl(server.url), (error: unknown) => {
      assert.ok(error instanceof MdctlError, String(error));
      assert.equal(error.code, 'ERR_INVALID_METADATA');
      assert.match(error.message, new RegExp(`/openstack/2020-10-14/${file.replace('.', '\\.')}.*nested more than ${MAX_JSON_DEPTH} levels`));
      return true;
    });
  });
}

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

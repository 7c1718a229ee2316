// An EC2 tree of many 1 MiB leaves: the crawl reads a bounded number of bytes, then refuses the metadata as a whole.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MAX_CACHE_BYTES, writeCache } from '../../src/cache/cache.js';
import { MdctlError } from '../../src/core/errors.js';
import { MAX_EC2_BYTES } from '../../src/sources/ec2.js';
import { doc } from '../appliers/root.js';
import { runCli } from '../helpers/cli.js';
import { crawl, serverPool, type Script } from './hostile.js';

const { serve, closeAll } = serverPool();
const work = mkdtempSync(join(tmpdir(), 'mdctl-ec2-bounds-'));
after(async () => {
  await closeAll();
  rmSync(work, { recursive: true, force: true });
});

const MIB = Buffer.alloc(1024 * 1024 - 1, 'x');
const LEAVES = 200;

/** instance-id and 200 leaves of just under 1 MiB each (each under the per-answer cap): 200 MiB if nothing stops the crawl. */
const heavy: Script = (request) => {
  const path = request.url ?? '';
  if (request.method === 'PUT') return { status: 404 };
  if (path === '/latest/meta-data/') return `instance-id\n${Array.from({ length: LEAVES }, (_, i) => `leaf${i}`).join('\n')}`;
  if (path === '/latest/meta-data/instance-id') return 'i-0001';
  return path.startsWith('/latest/meta-data/leaf') ? MIB : undefined;
};

test(`a tree of ${LEAVES} leaves of 1 MiB: refused past ${MAX_EC2_BYTES / 1024 / 1024} MiB, after a bounded number of requests`, async () => {
  const server = await serve(heavy);
  await assert.rejects(crawl(server.url, { kind: 'ec2' }), (error: unknown) => {
    assert.ok(error instanceof MdctlError, String(error));
    assert.equal(error.code, 'ERR_BODY_TOO_LARGE');
    assert.match(error.message, /the EC2 tree holds more than 4 MiB; refused$/);
    return true;
  });
  const leaves = server.requests.filter((request) => request.startsWith('GET /latest/meta-data/leaf'));
  assert.ok(leaves.length <= MAX_EC2_BYTES / MIB.length + 8 + 1, `${leaves.length} leaves read`);
});

test('mdctl fetch of that tree: exit 5, one line naming the bound, no cache written', async () => {
  const server = await serve(heavy);
  const cache = join(work, 'cache');
  const result = await runCli(['fetch', '--endpoint', server.url, '--source', 'ec2', '--cache-dir', cache, '--timeout', '20']);
  assert.equal(result.status, 5, result.stderr);
  assert.match(result.stderr, /^mdctl: GET "\/latest\/meta-data\/leaf\d+": the EC2 tree holds more than 4 MiB; refused\n$/);
  assert.equal(existsSync(join(cache, 'instance.json')), false);
});

test('a document larger than the cache may hold is refused before anything is written', async () => {
  const cache = join(work, 'big');
  const huge = doc({ meta: { blob: 'x'.repeat(MAX_CACHE_BYTES) } });
  await assert.rejects(writeCache(cache, huge), (error: unknown) => error instanceof MdctlError && error.code === 'ERR_INVALID_METADATA' && /over 32 MiB; not cached/.test(error.message));
  assert.equal(existsSync(join(cache, 'instance.json')), false);
  assert.equal(existsSync(join(cache, 'instance-sensitive.json')), false);
});

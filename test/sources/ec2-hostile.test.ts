// EC2 crawls against scripted hostile servers: a tree that fans out without end, many keys with odd names.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MdctlError } from '../../src/core/errors.js';
import { MAX_EC2_REQUESTS } from '../../src/sources/ec2.js';
import { crawl, serverPool, type Script } from './hostile.js';

const { serve, closeAll } = serverPool();
after(closeAll);

/** Every directory lists 200 more directories: 200^5 paths if nothing stops the crawl. */
const fanOut: Script = (request) => {
  const path = request.url ?? '';
  if (request.method === 'PUT') return { status: 404 };
  if (path === '/latest/meta-data/instance-id') return 'i-0001';
  const dirs = Array.from({ length: 200 }, (_, index) => `d${index}/`).join('\n');
  if (path === '/latest/meta-data/') return `instance-id\n${dirs}`;
  return path.endsWith('/') ? dirs : undefined;
};

test('an EC2 tree that fans out without end: refused after a bounded number of requests, a few at a time', async () => {
  const server = await serve(fanOut);
  await assert.rejects(crawl(server.url, { kind: 'ec2' }), (error: unknown) => {
    assert.ok(error instanceof MdctlError, String(error));
    assert.equal(error.code, 'ERR_INVALID_METADATA');
    assert.match(error.message, new RegExp(`the EC2 tree has more than ${MAX_EC2_REQUESTS} paths`));
    return true;
  });
  const crawled = server.requests.filter((request) => request.startsWith('GET /latest/'));
  assert.ok(crawled.length <= MAX_EC2_REQUESTS, `${crawled.length} requests`);
  assert.ok(server.peakConcurrency() <= 8, `${server.peakConcurrency()} requests at once`);
});

test('an EC2 tree with many keys and odd names is read whole, each path once', async () => {
  const keys = Array.from({ length: 200 }, (_, index) => `${index}=key ${index}\u0007`);
  const server = await serve((request) => {
    const path = request.url ?? '';
    if (request.method === 'PUT') return { status: 405 };
    if (path === '/latest/meta-data/') return 'instance-id\npublic-keys/';
    if (path === '/latest/meta-data/instance-id') return 'i-0002';
    if (path === '/latest/meta-data/public-keys/') return keys.join('\n');
    if (/^\/latest\/meta-data\/public-keys\/\d+\/$/.test(path)) return 'openssh-key';
    const key = /^\/latest\/meta-data\/public-keys\/(\d+)\/openssh-key$/.exec(path);
    return key === null ? undefined : `ssh-ed25519 AAAA${key[1] ?? ''}`;
  });
  const raw = await crawl(server.url, { kind: 'ec2' });
  const tree = raw.ec2?.['meta-data']['public-keys'] as Record<string, { 'openssh-key': string }>;
  assert.equal(Object.keys(tree).length, 200);
  assert.equal(tree['199=key 199\u0007']?.['openssh-key'], 'ssh-ed25519 AAAA199');
  const crawled = server.requests.filter((request) => request.startsWith('GET /latest/meta-data/'));
  assert.equal(new Set(crawled).size, crawled.length);
  assert.equal(crawled.length, 3 + 2 * 200);
});

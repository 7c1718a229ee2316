// `mdctl get` when the cache cannot answer: it fetches from the emulator (--endpoint), caches, then answers.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CACHE_FILE, readCache, SENSITIVE_FILE, writeCache } from '../../src/cache/cache.js';
import { normalize } from '../../src/model/normalize.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { EC2_ONLY_FIXTURE, SEED_STATIC_FIXTURE, startEmulator, type Emulator } from '../helpers/emulator.js';
import { AS_NOBODY, readableDir, removeForOthers, singleFileForOthers } from '../helpers/other-user.js';
import { openstackRaw } from '../model/normalize-fixtures.js';
import { closedPort } from '../sources/front.js';

const UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const USER_DATA = "#!/bin/sh\necho 'hello from dvr3-demo12 user-data' > /tmp/user-data-ran\n";

let base: string;
let count = 0;
let emulator: Emulator;
const fresh = (): string => join(base, `cache-${(count += 1)}`);

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mdctl-get-fetch-test-'));
  emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE });
});
after(async () => {
  await emulator.stop();
  await rm(base, { recursive: true, force: true });
  await removeForOthers();
});

/** Requests the emulator has logged so far. */
async function requestCount(): Promise<number> {
  return (await emulator.requests()).length;
}

function get(dir: string, args: string[], endpoint = emulator.url): Promise<CliResult> {
  return runCli(['--cache-dir', dir, '--endpoint', endpoint, 'get', ...args]);
}

/** A cache written from the genuine seed files, with a hostname the emulator would not send. */
async function staleCache(): Promise<string> {
  const dir = fresh();
  const document = normalize(openstackRaw('seed-static'), new Date('2025-01-01T00:00:00Z'));
  document.hostname = 'stale.example';
  await writeCache(dir, document);
  return dir;
}

describe('mdctl get fetching first', () => {
  it('fetches when there is no cache, answers and writes the cache', async () => {
    const dir = fresh();
    const before = await requestCount();
    const result = await get(dir, ['hostname']);
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
    assert.equal(result.stdout, 'dvr3-demo12.novalocal\n');
    const requests = (await emulator.requests()).slice(before);
    assert.equal(requests.filter((r) => r.path.endsWith('/meta_data.json')).length, 1);
    const read = await readCache(dir);
    assert.equal(read.state, 'ok');
    assert.equal(read.state === 'ok' ? read.document.instance_id : null, UUID);
    assert.equal(read.state === 'ok' ? read.document.user_data : null, USER_DATA);
  });

  it('answers a warm cache without a single request', async () => {
    const dir = await staleCache();
    const before = await requestCount();
    const result = await get(dir, ['hostname']);
    assert.equal(result.stdout, 'stale.example\n');
    assert.equal(await requestCount(), before);
  });

  it('fetches again with --refresh', async () => {
    const dir = await staleCache();
    const result = await get(dir, ['hostname', '--refresh']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'dvr3-demo12.novalocal\n');
    const read = await readCache(dir);
    assert.equal(read.state === 'ok' ? read.document.hostname : null, 'dvr3-demo12.novalocal');
  });

  for (const [title, content, reason] of [
    ['corrupt', '{"schema": 1, "source":', 'not valid JSON'],
    ['of an unknown schema', '{"schema": 2}', 'schema 2 is not supported (this mdctl reads schema 1)'],
  ] as const) {
    it(`ignores a ${title} cache with a warning and refetches`, async () => {
      const dir = await staleCache();
      await writeFile(join(dir, CACHE_FILE), content);
      const result = await get(dir, ['instance-id']);
      assert.equal(result.status, 0);
      assert.equal(result.stdout, `${UUID}\n`);
      assert.equal(result.stderr, `mdctl: warning: cache ignored: ${JSON.stringify(join(dir, CACHE_FILE))}: ${reason}; fetching again\n`);
      assert.equal((await readCache(dir)).state, 'ok');
    });
  }

  it('refetches for a sensitive key when the sensitive file is gone, not for other keys', async () => {
    const dir = await staleCache();
    await rm(join(dir, SENSITIVE_FILE));
    const before = await requestCount();
    assert.equal((await get(dir, ['hostname'])).stdout, 'stale.example\n');
    assert.equal(await requestCount(), before);
    const result = await get(dir, ['user-data']);
    assert.equal(result.status, 0);
    assert.equal(result.stdout, USER_DATA);
    assert.match(result.stderr, /^mdctl: warning: sensitive cache ignored: ".*instance-sensitive\.json" is missing; fetching again\n$/);
    assert.ok(JSON.parse(await readFile(join(dir, SENSITIVE_FILE), 'utf8')));
  });

  it('fetches the EC2 tree from an EC2-only service', async () => {
    const ec2 = await startEmulator({ fixture: EC2_ONLY_FIXTURE });
    try {
      const dir = fresh();
      const result = await get(dir, ['public-keys.0.name'], ec2.url);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, 'dvr3-key\n');
      assert.equal((await get(dir, ['instance-id'], ec2.url)).stdout, 'i-0000000c\n');
      assert.equal((await get(dir, ['ec2.meta-data.placement.availability-zone'], ec2.url)).stdout, 'nova\n');
      assert.equal((await get(dir, ['source.kind'], ec2.url)).stdout, 'ec2\n');
    } finally {
      await ec2.stop();
    }
  });

  it('exits 4 with nothing on stdout when the service does not answer and there is no cache', async () => {
    const dir = fresh();
    const result = await runCli(['--cache-dir', dir, '--endpoint', await closedPort(), '--timeout', '1', 'get', 'hostname']);
    assert.equal(result.status, 4);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^mdctl: .+\n$/);
    assert.equal((await readCache(dir)).state, 'missing');
  });

  it('answers a plain user with no cache it may write, warning that nothing was cached', async () => {
    // nobody can enter the folder but not `locked`, and runs a copy of the single file (the clone may be out of its reach).
    const locked = join(await readableDir('mdctl-get-fetch-locked-'), 'locked');
    await mkdir(locked, { mode: 0o700 });
    const result = await runCli(['--cache-dir', join(locked, 'cache'), '--endpoint', emulator.url, 'get', 'hostname'], {
      wrap: AS_NOBODY,
      entry: await singleFileForOthers(),
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'dvr3-demo12.novalocal\n');
    assert.match(result.stderr, /^mdctl: warning: metadata not cached: cannot create the cache directory .*: EACCES$/m);
    assert.equal((await readCache(join(locked, 'cache'))).state, 'missing');
  });
});

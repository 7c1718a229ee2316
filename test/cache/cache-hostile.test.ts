// The cache against hostile files: other users' writes, readable secrets, FIFOs, directories, huge and deep files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CACHE_FILE, MAX_CACHE_BYTES, readCache, SENSITIVE_FILE, writeCache, type CacheRead } from '../../src/cache/cache.js';
import type { Instance } from '../../src/core/instance.js';
import { MAX_JSON_DEPTH } from '../../src/model/depth.js';
import { normalize } from '../../src/model/normalize.js';
import { openstackRaw } from '../model/normalize-fixtures.js';

const AT = new Date('2025-05-01T12:00:00.000Z');
const seed = (): Instance => normalize(openstackRaw('seed-static'), AT);

let base: string;
let count = 0;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mdctl-cache-hostile-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

async function written(document: Instance = seed()): Promise<string> {
  const dir = join(base, `cache-${(count += 1)}`);
  await writeCache(dir, document);
  return dir;
}

function reason(read: CacheRead): string {
  return read.state === 'invalid' ? read.reason : `state ${read.state}`;
}

describe('readCache distrusts what another user could have written or read', () => {
  it('instance.json writable by others or by its group: not trusted', async () => {
    for (const [mode, who] of [
      [0o666, 'others'],
      [0o664, 'its group'],
    ] as const) {
      const dir = await written();
      await chmod(join(dir, CACHE_FILE), mode);
      const read = await readCache(dir);
      assert.equal(read.state, 'invalid');
      assert.match(reason(read), new RegExp(`instance\\.json": writable by ${who}`));
    }
  });

  it('instance.json owned by another user: not trusted', async () => {
    const dir = await written();
    await chown(join(dir, CACHE_FILE), 12345, 12345);
    const read = await readCache(dir);
    assert.equal(read.state, 'invalid');
    assert.match(reason(read), /owned by uid 12345, neither root nor this user/);
  });

  it('a cache directory anyone can write to: not trusted; with the sticky bit it is', async () => {
    const dir = await written();
    await chmod(dir, 0o777);
    const read = await readCache(dir);
    assert.equal(read.state, 'invalid');
    assert.match(reason(read), /writable by others/);
    await chmod(dir, 0o1777);
    assert.equal((await readCache(dir)).state, 'ok');
  });

  it('a sensitive file others can read: its keys are left out, and a new fetch rewrites it 0600', async () => {
    const document = seed();
    const dir = await written(document);
    await chmod(join(dir, SENSITIVE_FILE), 0o644);
    const read = await readCache(dir);
    assert.equal(read.state, 'ok');
    if (read.state !== 'ok') return;
    assert.equal(read.sensitive, 'invalid');
    assert.match(read.sensitiveProblem ?? '', /instance-sensitive\.json": readable by others than its owner/);
    assert.equal(read.document.user_data, undefined);
    await writeCache(dir, document);
    const again = await readCache(dir);
    assert.equal(again.state === 'ok' ? again.sensitive : again.state, 'ok');
  });
});

describe('readCache refuses files that are not a cache, without hanging or filling memory', () => {
  it('a FIFO in place of instance.json', async () => {
    const dir = await written();
    await rm(join(dir, CACHE_FILE));
    execFileSync('mkfifo', [join(dir, CACHE_FILE)]);
    const read = await readCache(dir);
    assert.equal(read.state, 'invalid');
    assert.match(reason(read), /not a regular file/);
  });

  it('a directory in place of instance.json', async () => {
    const dir = await written();
    await rm(join(dir, CACHE_FILE));
    await mkdir(join(dir, CACHE_FILE));
    const read = await readCache(dir);
    assert.equal(read.state, 'invalid');
    assert.match(reason(read), /not a regular file/);
  });

  it('a 1 GiB instance.json (sparse)', async () => {
    const dir = await written();
    const handle = await open(join(dir, CACHE_FILE), 'r+');
    await handle.truncate(1024 * 1024 * 1024);
    await handle.close();
    const read = await readCache(dir);
    assert.equal(read.state, 'invalid');
    assert.match(reason(read), new RegExp(`over ${MAX_CACHE_BYTES / 1024 / 1024} MiB`));
  });

  it(`an instance.json nested more than ${MAX_JSON_DEPTH} levels`, async () => {
    const dir = await written();
    const document = JSON.parse(await readFile(join(dir, CACHE_FILE), 'utf8')) as Record<string, unknown>;
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    await writeFile(join(dir, CACHE_FILE), JSON.stringify({ ...document, meta: {} }).replace('"meta":{}', `"meta":${deep}`));
    const read = await readCache(dir);
    assert.equal(read.state, 'invalid');
    assert.match(reason(read), new RegExp(`nested more than ${MAX_JSON_DEPTH} levels`));
  });
});

describe('writeCache keeps deep documents small', () => {
  it('indents a small document, writes a large one compact, and reads both back whole', async () => {
    const small = seed();
    const smallDir = await written(small);
    assert.match(await readFile(join(smallDir, CACHE_FILE), 'utf8'), /^\{\n {2}"schema": 1,/);
    const levels = MAX_JSON_DEPTH - 3;
    const deep = JSON.parse(`${'['.repeat(levels)}${new Array(100_000).fill(1).join(',')}${']'.repeat(levels)}`) as unknown;
    const large: Instance = { ...small, meta: { deep } };
    const largeDir = await written(large);
    const text = await readFile(join(largeDir, CACHE_FILE), 'utf8');
    assert.equal(text, `${JSON.stringify(JSON.parse(text))}\n`);
    const read = await readCache(largeDir);
    assert.equal(read.state, 'ok');
    assert.deepEqual(read.state === 'ok' ? read.document : null, large);
  });
});

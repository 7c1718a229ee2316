// The local stage's source: the drive only, cached with a mark; `boot` reuses that cache only in the same boot, for the same instance.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeCache } from '../../src/cache/cache.js';
import { MdctlError } from '../../src/core/errors.js';
import { LOCAL_MARK, fetchLocal, localStageDocument, mayReuseLocalStage, type LocalRequest } from '../../src/sources/local-stage.js';
import { doc } from '../appliers/root.js';
import { seedStaticTree } from '../helpers/drive.js';

const work = mkdtempSync(join(tmpdir(), 'mdctl-local-stage-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

function fresh(name: string): string {
  const dir = join(work, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function bootId(id: string): string {
  const path = join(fresh('boot'), 'boot_id');
  writeFileSync(path, `${id}\n`);
  return path;
}

/** A request for a drive copied into a directory (configdrive:DIR), or for the drive on a fake system with none. */
function request(cacheDir: string, source: string, boot: string, overrides: Partial<LocalRequest> = {}): LocalRequest {
  const root = fresh('system');
  mkdirSync(join(root, 'proc', 'self'), { recursive: true });
  mkdirSync(join(root, 'dev', 'disk', 'by-label'), { recursive: true });
  writeFileSync(join(root, 'proc', 'self', 'mounts'), '');
  return { source, cacheDir, timeoutMs: 5000, root, bootIdPath: boot, ...overrides };
}

test('boot --local reads the drive, writes the cache and the mark; boot of the same boot takes that document', async () => {
  const cache = fresh('cache');
  const boot = bootId('11111111-2222-3333-4444-555555555555');
  const result = await fetchLocal(request(cache, `configdrive:${seedStaticTree(fresh('drive'))}`, boot));
  assert.equal(result?.instance.instance_id, '795fed3a-431a-4b89-bd80-ffac22196e72');
  const mark = JSON.parse(readFileSync(join(cache, LOCAL_MARK), 'utf8')) as Record<string, string>;
  assert.equal(mark.boot_id, '11111111-2222-3333-4444-555555555555');
  assert.equal(mark.instance_id, result?.instance.instance_id);
  const reused = await localStageDocument(cache, boot);
  assert.equal(reused?.instance_id, result?.instance.instance_id);
  assert.equal(reused?.source.kind, 'configdrive');
  assert.equal(reused?.user_data, result?.instance.user_data, 'the sensitive keys come with it');
});

test('another boot, or a cache since written by another fetch, is not reused', async () => {
  const cache = fresh('cache');
  const boot = bootId('11111111-2222-3333-4444-555555555555');
  await fetchLocal(request(cache, `configdrive:${seedStaticTree(fresh('drive'))}`, boot));
  assert.equal(await localStageDocument(cache, bootId('99999999-2222-3333-4444-555555555555')), null);
  await writeCache(cache, doc({ instance_id: 'another-instance' }));
  assert.equal(await localStageDocument(cache, boot), null);
  writeFileSync(join(cache, LOCAL_MARK), '{"boot_id": 1}');
  assert.equal(await localStageDocument(cache, boot), null);
  assert.equal(await localStageDocument(fresh('empty'), boot), null);
});

test('no drive (no udev link, blkid finds none): nothing read, nothing cached', async () => {
  const cache = fresh('cache');
  const nothing = () => Promise.reject(new MdctlError('ERR_EXEC', 'blkid failed: exit status 2', { cause: Object.assign(new Error('exit 2'), { code: 2 }) }));
  assert.equal(await fetchLocal(request(cache, 'auto', bootId('b'), { driveSeams: { exec: nothing } })), null);
  assert.deepEqual(readdirSync(cache), []);
});

test('the local stage never goes to the network: --source openstack is a usage error', async () => {
  await assert.rejects(fetchLocal(request(fresh('cache'), 'openstack', bootId('b'))), (error: unknown) => error instanceof MdctlError && error.code === 'ERR_USAGE' && /reads only the config drive/.test(error.message));
});

test('boot reuses the local stage only when told neither an endpoint nor a network source', () => {
  assert.equal(mayReuseLocalStage({ source: 'auto' }), true);
  assert.equal(mayReuseLocalStage({ source: 'configdrive' }), true);
  assert.equal(mayReuseLocalStage({ source: 'auto', endpoint: 'http://127.0.0.1:8775' }), false);
  assert.equal(mayReuseLocalStage({ source: 'openstack' }), false);
  assert.equal(mayReuseLocalStage({ source: 'configdrive:/mnt' }), false);
});

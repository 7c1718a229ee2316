// Per-instance state: written atomically under instances/, read back, unusable files start over with a warning.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lockStateDir, readState, stateFileName, statePath, writeState } from '../../src/appliers/state.js';
import { makeRoot, removeRoots } from './root.js';

after(removeRoots);

const ID = '795fed3a-431a-4b89-bd80-ffac22196e72';

test('state round-trips per instance id', async () => {
  const dir = join(makeRoot(), 'var/lib/mdctl');
  assert.deepEqual(await readState(dir, ID), { appliers: {} });
  await writeState(dir, ID, { routes: { routes: [] } }, new Date('2025-01-02T03:04:05Z'));
  const file = JSON.parse(readFileSync(statePath(dir, ID), 'utf8')) as unknown;
  assert.deepEqual(file, { schema: 1, instance_id: ID, updated_at: '2025-01-02T03:04:05.000Z', appliers: { routes: { routes: [] } } });
  assert.equal(statSync(statePath(dir, ID)).mode & 0o777, 0o644);
  assert.deepEqual(await readState(dir, ID), { appliers: { routes: { routes: [] } } });
  assert.deepEqual(await readState(dir, 'another-instance'), { appliers: {} });
});

test('ids that are not plain names are hashed into the file name', () => {
  assert.equal(stateFileName(ID), `${ID}.json`);
  assert.match(stateFileName('../../etc/passwd'), /^[0-9a-f]{64}\.json$/);
  assert.match(stateFileName('.hidden'), /^[0-9a-f]{64}\.json$/);
});

test('a corrupt or foreign state file is not trusted: empty memory and a warning', async () => {
  const dir = makeRoot();
  mkdirSync(join(dir, 'instances'));
  for (const content of ['{not json', JSON.stringify({ schema: 2, instance_id: ID, appliers: {} }), JSON.stringify({ schema: 1, instance_id: 'other', appliers: {} })]) {
    writeFileSync(statePath(dir, ID), content);
    const loaded = await readState(dir, ID);
    assert.deepEqual(loaded.appliers, {});
    assert.match(loaded.warning ?? '', /is unreadable; starting over/);
  }
});

test('the state dir is created for the lock, which is exclusive', async () => {
  const dir = join(makeRoot(), 'new/state');
  const release = await lockStateDir(dir, 0);
  await assert.rejects(lockStateDir(dir, 0), (error: Error & { code?: string }) => error.code === 'ERR_LOCKED');
  await release();
  await (await lockStateDir(dir, 0))();
});

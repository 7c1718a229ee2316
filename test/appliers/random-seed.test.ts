// The random-seed applier: Nova's random_seed written once per instance, live only, never shown in a change.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { randomSeedApplier } from '../../src/appliers/random-seed.js';
import { applyPlanned, planAppliers, rememberedState } from '../../src/appliers/runner.js';
import { context, doc, makeRoot, removeRoots } from './root.js';

after(removeRoots);

function standIn(): string {
  const path = join(makeRoot(), 'urandom');
  writeFileSync(path, '');
  return path;
}

const SEED = randomBytes(512);

test('live: the 512 bytes go to the device, and nothing of them is in the change a user sees', async () => {
  const device = standIn();
  const applier = randomSeedApplier({ device });
  const ctx = context('/', { live: true });
  const changes = await applier.plan(doc({ random_seed: SEED.toString('base64') }), ctx);
  assert.equal(changes.length, 1);
  const [change] = changes;
  assert.equal(change?.summary, 'add the 512 bytes of random_seed to the pool');
  assert.equal(change?.skipped, undefined);
  const shown = JSON.stringify({ ...change, data: undefined });
  assert.ok(!shown.includes(SEED.toString('base64').slice(0, 16)), 'the seed is not in the change');
  await applier.apply(change!, ctx);
  assert.deepEqual(readFileSync(device), SEED);
});

test('not live: planned and skipped with the reason; nothing remembered, so a live boot writes it later', async () => {
  const device = standIn();
  const runs = await planAppliers([randomSeedApplier({ device })], doc({ random_seed: SEED.toString('base64') }), { root: '/', live: false, dryRun: false, user: undefined }, {});
  await applyPlanned(runs);
  assert.equal(runs[0]?.results[0]?.status, 'skipped');
  assert.equal(runs[0]?.changes[0]?.skipped, 'not live');
  assert.equal(readFileSync(device).length, 0);
  assert.deepEqual(rememberedState(runs, {}), {});
});

test('once per instance: after a write, later runs plan nothing', async () => {
  const device = standIn();
  const options = { root: '/', live: true, dryRun: false, user: undefined };
  const seeded = doc({ random_seed: SEED.toString('base64') });
  const first = await planAppliers([randomSeedApplier({ device })], seeded, options, {});
  await applyPlanned(first);
  const state = rememberedState(first, {});
  assert.ok('random-seed' in state);
  const second = await planAppliers([randomSeedApplier({ device })], seeded, options, state);
  assert.deepEqual(second[0]?.changes, []);
});

test('no seed plans nothing; a seed that is not base64 fails the applier and writes nothing', async () => {
  const device = standIn();
  const applier = randomSeedApplier({ device });
  assert.deepEqual(await applier.plan(doc(), context('/', { live: true })), []);
  await assert.rejects(applier.plan(doc({ random_seed: 'not base64!' }), context('/', { live: true })), { code: 'ERR_INVALID_VALUE', message: 'meta_data random_seed is not base64; not used' });
  assert.equal(readFileSync(device).length, 0);
});

test('a missing device is an error, never a file created in its place', async () => {
  const device = join(makeRoot(), 'no-such-device');
  const applier = randomSeedApplier({ device });
  const ctx = context('/', { live: true });
  const [change] = await applier.plan(doc({ random_seed: SEED.toString('base64') }), ctx);
  await assert.rejects(applier.apply(change!, ctx), { code: 'ERR_IO' });
  assert.throws(() => readFileSync(device), { code: 'ENOENT' });
});

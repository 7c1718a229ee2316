// The runner: selection, failures kept to their applier, dry runs, and what is remembered for the next run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPlanned, planAppliers, rememberedState, selectAppliers } from '../../src/appliers/runner.js';
import type { Applier, Change } from '../../src/core/applier.js';
import { doc } from './root.js';

function applier(id: string, changes: Partial<Change>[], behaviour: { planThrows?: boolean; applyThrows?: string; refuse?: string } = {}): Applier & { applied: string[] } {
  const applied: string[] = [];
  return {
    id,
    description: id,
    applied,
    async plan(_doc, ctx) {
      if (behaviour.planThrows === true) throw new Error(`${id} cannot plan`);
      if (behaviour.refuse !== undefined) ctx.refuse(behaviour.refuse);
      return changes.map((change) => ({ applier: 'spoofed', action: 'create', target: 't', summary: 's', ...change }));
    },
    async apply(change) {
      if (change.target === behaviour.applyThrows) throw new Error(`cannot do ${change.target}`);
      applied.push(change.target);
    },
    remember: (results) => results.map((result) => `${result.change.target}:${result.status}`),
  };
}

const OPTIONS = { root: '/tmp/none', live: false, dryRun: false, user: undefined };

test('selection: --only keeps, --skip drops, unknown ids are usage errors', () => {
  const all = [applier('a', []), applier('b', []), applier('c', [])];
  assert.deepEqual(
    selectAppliers(all, ['a', 'c'], undefined).map((x) => x.id),
    ['a', 'c'],
  );
  assert.deepEqual(
    selectAppliers(all, undefined, ['b']).map((x) => x.id),
    ['a', 'c'],
  );
  assert.throws(() => selectAppliers(all, ['z'], undefined), (error: Error & { code?: string }) => error.code === 'ERR_USAGE' && /"z"/.test(error.message));
});

test('noops and skipped changes are never applied; a failing change fails only its applier', async () => {
  const a = applier('a', [{ target: 'one' }, { target: 'two', action: 'noop' }, { target: 'three', skipped: 'not live' }, { target: 'four' }], { applyThrows: 'one' });
  const b = applier('b', [{ target: 'five', action: 'delete' }]);
  const runs = await planAppliers([a, b], doc(), OPTIONS, {});
  assert.deepEqual(
    runs[0]?.changes.map((change) => change.applier),
    ['a', 'a', 'a', 'a'],
    'changes carry their applier id',
  );
  await applyPlanned(runs);
  assert.deepEqual(a.applied, ['four']);
  assert.deepEqual(b.applied, ['five']);
  assert.deepEqual(runs[0]?.errors, ['one: cannot do one']);
  assert.deepEqual(runs[1]?.errors, []);
  assert.deepEqual(rememberedState(runs, {}), {
    a: ['one:failed', 'two:noop', 'three:skipped', 'four:applied'],
    b: ['five:applied'],
  });
});

test('an applier whose plan throws or refuses a value fails; the others still plan and apply; its memory is kept', async () => {
  const broken = applier('broken', [], { planThrows: true });
  const picky = applier('picky', [{ target: 'good' }], { refuse: 'value "x" refused' });
  const fine = applier('fine', [{ target: 'ok' }]);
  const runs = await planAppliers([broken, picky, fine], doc(), OPTIONS, { broken: 'old memory' });
  await applyPlanned(runs);
  assert.deepEqual(
    runs.map((run) => run.errors),
    [['broken cannot plan'], ['value "x" refused'], []],
  );
  assert.deepEqual(picky.applied, ['good']);
  assert.deepEqual(fine.applied, ['ok']);
  assert.equal(rememberedState(runs, { broken: 'old memory' }).broken, 'old memory');
});

test('a dry run applies nothing', async () => {
  const a = applier('a', [{ target: 'one' }]);
  const runs = await planAppliers([a], doc(), { ...OPTIONS, dryRun: true }, {});
  await applyPlanned(runs);
  assert.deepEqual(a.applied, []);
  assert.deepEqual(
    runs[0]?.results.map((result) => result.status),
    ['dry-run'],
  );
});

test('each applier sees only its own previous memory', async () => {
  const seen: unknown[] = [];
  const spy: Applier = { id: 'spy', description: '', plan: async (_doc, ctx) => (seen.push(ctx.previous), []), apply: async () => undefined };
  await planAppliers([spy], doc(), OPTIONS, { spy: { routes: [] }, other: 'x' });
  assert.deepEqual(seen, [{ routes: [] }]);
});

test('a plan that returns something other than changes fails its applier', async () => {
  const odd: Applier = { id: 'odd', description: '', plan: async () => [{ action: 'explode', target: 't', summary: 's' }] as unknown as Change[], apply: async () => undefined };
  const runs = await planAppliers([odd], doc(), OPTIONS, {});
  assert.deepEqual(runs[0]?.errors, ['plan() did not return a list of changes']);
  assert.equal(runs[0]?.planned, false);
});

test('with a recorder, the state is saved before each chunk (the chunk "started", the rest "pending") and after the last; results stay in plan order', async () => {
  const saves: Record<string, unknown>[] = [];
  const seen: unknown[] = [];
  const chunked: Applier = {
    id: 'chunked',
    description: 'chunked',
    recordsProgress: true,
    chunkSize: 2,
    plan: async () => ['a', 'b', 'n', 'c', 'd', 'e'].map((target) => ({ applier: 'chunked', action: target === 'n' ? 'noop' : 'create', target, summary: 's' })),
    apply: () => Promise.reject(new Error('applyChunk is used')),
    async applyChunk(changes) {
      seen.push(saves.at(-1)?.chunked);
      return changes.map((change) => (change.target === 'd' ? 'no room for d' : null));
    },
    remember: (results) => results.map((result) => `${result.change.target}:${result.status}`),
  };
  const plain = applier('plain', [{ target: 'p' }]);
  const runs = await planAppliers([chunked, plain], doc(), OPTIONS, { plain: 'before', other: 'kept' });
  await applyPlanned(runs, { previous: { plain: 'before', other: 'kept' }, save: async (state) => void saves.push(state) });
  assert.deepEqual(seen, [
    ['n:noop', 'a:started', 'b:started', 'c:pending', 'd:pending', 'e:pending'],
    ['n:noop', 'a:applied', 'b:applied', 'c:started', 'd:started', 'e:pending'],
    ['n:noop', 'a:applied', 'b:applied', 'c:applied', 'd:failed', 'e:started'],
  ]);
  assert.deepEqual(saves.at(-1), {
    plain: ['p:applied'],
    other: 'kept',
    chunked: ['n:noop', 'a:applied', 'b:applied', 'c:applied', 'd:failed', 'e:applied'],
  });
  assert.equal(saves.length, 5, 'three chunks ahead, one after the chunked applier, one after the plain one');
  assert.deepEqual(runs[0]!.results.map((result) => `${result.change.target}:${result.status}`), ['a:applied', 'b:applied', 'n:noop', 'c:applied', 'd:failed', 'e:applied']);
  assert.deepEqual(runs[0]!.errors, ['d: no room for d']);
});

test('when the state cannot be saved, changes of an applier that records progress are not made and it fails; the others apply', async () => {
  const chunked: Applier & { applied: string[] } = { ...applier('chunked', [{ target: 'x' }, { target: 'y' }]), recordsProgress: true };
  const plain = applier('plain', [{ target: 'p' }]);
  const runs = await planAppliers([chunked, plain], doc(), OPTIONS, {});
  await applyPlanned(runs, { previous: {}, save: () => Promise.reject(new Error('ENOSPC: no space left on device')) });
  assert.deepEqual(chunked.applied, []);
  assert.deepEqual(plain.applied, ['p']);
  assert.deepEqual(runs[0]!.errors, ['state: ENOSPC: no space left on device', '2 changes not made: the state cannot be recorded (ENOSPC: no space left on device)']);
  assert.deepEqual(runs[0]!.results.map((result) => result.status), ['failed', 'failed']);
});

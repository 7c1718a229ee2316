// The runner against hostile plugins: plan() or apply() that never settles, non-Error throws, garbage changes; the other appliers always run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPlanned, planAppliers } from '../../src/appliers/runner.js';
import type { Applier } from '../../src/core/applier.js';
import { doc } from './root.js';

const OPTIONS = { root: '/tmp/none', live: false, dryRun: false, user: undefined, timeouts: { planMs: 50, applyMs: 50 } };

function good(): Applier & { applied: string[] } {
  const applied: string[] = [];
  return {
    id: 'good',
    description: 'good',
    applied,
    plan: async () => [{ applier: 'good', action: 'create', target: 'file', summary: 'write' }],
    apply: async (change) => {
      applied.push(change.target);
    },
  };
}

test('a plan() or apply() that never settles fails its applier after the step timeout; the others plan and apply', async () => {
  const hangPlan: Applier = { id: 'hang-plan', description: '', plan: () => new Promise(() => undefined), apply: async () => undefined };
  const hangApply: Applier = {
    id: 'hang-apply',
    description: '',
    plan: async () => [{ applier: 'x', action: 'create', target: 'forever', summary: 's' }],
    apply: () => new Promise(() => undefined),
  };
  const ok = good();
  const runs = await planAppliers([hangPlan, hangApply, ok], doc(), OPTIONS, {});
  await applyPlanned(runs);
  assert.match(runs[0]?.errors[0] ?? '', /^plan\(\) did not finish within 0\.05 s/);
  assert.equal(runs[0]?.planned, false);
  assert.match(runs[1]?.errors[0] ?? '', /^forever: apply\(\) did not finish within 0\.05 s/);
  assert.equal(runs[1]?.results[0]?.status, 'failed');
  assert.deepEqual(runs[2]?.errors, []);
  assert.deepEqual(ok.applied, ['file']);
});

test('throwing a string, undefined, null, an object without a string form, or a multi-line message gives one line; nothing escapes the runner', async () => {
  const thrown: unknown[] = ['a string', undefined, null, Object.create(null), { toString: () => { throw new Error('no'); } }, new Error('two\nlines\u001b[31m'), ''];
  const appliers: Applier[] = thrown.map((value, index) => ({
    id: `t${index}`,
    description: '',
    plan: () => Promise.reject(value),
    apply: async () => undefined,
  }));
  const runs = await planAppliers([...appliers, good()], doc(), OPTIONS, {});
  const messages = runs.slice(0, -1).map((run) => run.errors[0] ?? '');
  for (const message of messages) {
    assert.notEqual(message, '');
    assert.doesNotMatch(message, /\p{Cc}/u);
  }
  assert.equal(messages[0], 'a string');
  assert.equal(messages[1], 'undefined');
  assert.equal(messages[5], 'two lines [31m');
  assert.equal(runs.at(-1)?.planned, true);
});

test('garbage from plan() (not a list, a list of junk, a change with a bad action) fails only that applier', async () => {
  const garbage: unknown[] = [undefined, 'changes', [null], [{ action: 'explode', target: 't', summary: 's' }], [{ action: 'create', target: 1, summary: 's' }]];
  const appliers: Applier[] = garbage.map((value, index) => ({ id: `g${index}`, description: '', plan: async () => value as never, apply: async () => undefined }));
  const runs = await planAppliers([...appliers, good()], doc(), OPTIONS, {});
  for (const run of runs.slice(0, -1)) assert.match(run.errors[0] ?? '', /did not return a list of changes/);
  assert.deepEqual(runs.at(-1)?.errors, []);
});

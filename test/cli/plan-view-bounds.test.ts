// The plan view on hostile runs: a block per applier capped and counted, every value escaped, and escapeControls itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import type { ApplierRun } from '../../src/appliers/runner.js';
import { escapeControls } from '../../src/cli/output.js';
import { MAX_MESSAGES, MAX_PLAN_LINES, applierMessages, renderPlan } from '../../src/cli/plan-view.js';

const plain = new Chalk({ level: 0 });

function run(changes: number, errors: string[] = [], warnings: string[] = []): ApplierRun {
  return {
    applier: { id: 'many', description: 'many', plan: async () => [], apply: async () => undefined },
    changes: Array.from({ length: changes }, (_, i) => ({ applier: 'many', action: 'create' as const, target: `t${i}`, summary: 'add' })),
    results: [],
    warnings,
    errors,
    planned: true,
    ctx: {} as ApplierRun['ctx'],
    timeouts: { planMs: 1, applyMs: 1 },
    startedAt: 0,
    elapsedMs: 0,
  };
}

test(`a block of more than ${MAX_PLAN_LINES} lines is cut there and the rest counted; errors are capped apart`, () => {
  const lines = renderPlan([run(MAX_PLAN_LINES + 50, Array.from({ length: 30 }, (_, i) => `e${i}`))], plain).split('\n');
  assert.equal(lines[0], 'many');
  assert.equal(lines[MAX_PLAN_LINES + 1], '… and 50 more lines (mdctl apply --json lists every change)');
  assert.equal(lines.filter((line) => line.startsWith('  ✗ ')).length, MAX_MESSAGES + 1);
  assert.equal(lines.at(-1), '  ✗ … and 10 more errors');
});

test('warnings and errors per applier: at most MAX_MESSAGES, then one counting line', () => {
  const few = applierMessages(run(0, ['a'], ['w']));
  assert.deepEqual(few, { warnings: ['w'], errors: ['a'] });
  const many = applierMessages(run(0, [], Array.from({ length: MAX_MESSAGES + 5 }, (_, i) => `w${i}`)));
  assert.equal(many.warnings.length, MAX_MESSAGES + 1);
  assert.equal(many.warnings.at(-1), '… and 5 more warnings');
});

test('escapeControls: C0, DEL, C1, line separators and bidi overrides become visible escapes; text stays', () => {
  assert.equal(escapeControls('a\u001b[31mb\u0007c\u007f\u009b1m\u2028\u202e'), 'a\\x1b[31mb\\x07c\\x7f\\x9b1m\\u2028\\u202e');
  assert.equal(escapeControls('one\ntwo\r\tthree'), 'one\\ntwo\\r\\tthree');
  assert.equal(escapeControls('one\ntwo', true), 'one\ntwo');
  assert.equal(escapeControls('héllo wörld ✓'), 'héllo wörld ✓');
});

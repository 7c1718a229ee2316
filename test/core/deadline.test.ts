// The deadline: remaining time from an injected clock, and a deadline counted from process start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deadline } from '../../src/core/deadline.js';

test('remaining time follows the clock and never goes below zero', () => {
  let now = 1000;
  const deadline = new Deadline(500, () => now);
  assert.equal(deadline.remaining(), 500);
  now = 1400;
  assert.equal(deadline.remaining(), 100);
  assert.equal(deadline.expired, false);
  now = 2000;
  assert.equal(deadline.remaining(), 0);
  assert.equal(deadline.expired, true);
});

test('a deadline from process start has already spent the time since the process began', () => {
  const spent = Date.now() - performance.timeOrigin;
  assert.ok(spent > 0);
  const deadline = Deadline.fromProcessStart(spent + 60_000);
  assert.ok(deadline.remaining() <= 60_000 && deadline.remaining() > 50_000, String(deadline.remaining()));
  assert.equal(Deadline.fromProcessStart(1).expired, true);
});

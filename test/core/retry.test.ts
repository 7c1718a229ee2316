// The retry module with an injected clock, sleep and randomness: backoff, classification, deadline, Retry-After.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deadline } from '../../src/core/deadline.js';
import { backoffDelay, parseRetryAfter, retry, type Outcome, type Verdict } from '../../src/core/retry.js';

/** A fake clock that only moves when the injected sleep is called. */
function fakeTime(totalMs: number): { deadline: Deadline; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    deadline: new Deadline(totalMs, () => now),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    slept,
  };
}

const retryErrors = (outcome: Outcome<string>): Verdict => ({ retry: !outcome.ok });

test('backoff doubles from 100 ms to a 500 ms cap, jitter within the upper half', () => {
  const high = { random: () => 0.999999 };
  const low = { random: () => 0 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, high)), [100, 200, 400, 500, 500, 500]);
  assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, low)), [50, 100, 200]);
  assert.equal(backoffDelay(3, { initialMs: 10, maxMs: 30, random: () => 0.999999 }), 30);
});

test('retries failures until success and counts the tries', async () => {
  const time = fakeTime(10_000);
  let calls = 0;
  const result = await retry(
    async () => {
      calls += 1;
      if (calls < 3) throw new Error(`fail ${calls}`);
      return 'ok';
    },
    { deadline: time.deadline, sleep: time.sleep, random: () => 0.999999, classify: retryErrors },
  );
  assert.deepEqual(result, { outcome: { ok: true, value: 'ok' }, tries: 3, stop: 'done' });
  assert.deepEqual(time.slept, [100, 200]);
});

test('an outcome that needs no retry stops at once, error or value', async () => {
  const time = fakeTime(10_000);
  const result = await retry(
    async () => {
      throw new Error('fatal');
    },
    { deadline: time.deadline, sleep: time.sleep, classify: () => ({ retry: false }) },
  );
  assert.equal(result.tries, 1);
  assert.equal(result.stop, 'done');
  assert.equal(result.outcome.ok, false);
  assert.deepEqual(time.slept, []);
});

test('gives up when the next delay does not fit in the deadline, with the last outcome', async () => {
  const time = fakeTime(1000);
  let calls = 0;
  const result = await retry(
    async () => {
      calls += 1;
      throw new Error(`fail ${calls}`);
    },
    { deadline: time.deadline, sleep: time.sleep, random: () => 0.999999, classify: retryErrors },
  );
  assert.equal(result.stop, 'deadline');
  assert.deepEqual(time.slept, [100, 200, 400]);
  assert.equal(result.tries, 4);
  assert.equal(result.outcome.ok ? '' : (result.outcome.error as Error).message, 'fail 4');
  assert.ok(time.slept.reduce((a, b) => a + b, 0) < 1000);
});

test('a Retry-After that fits is waited for (never less than the backoff); one past the deadline stops', async () => {
  const time = fakeTime(5000);
  let calls = 0;
  const fits = await retry(
    async () => {
      calls += 1;
      return calls;
    },
    {
      deadline: time.deadline,
      sleep: time.sleep,
      random: () => 0.999999,
      classify: (o) => (o.ok && o.value === 1 ? { retry: true, afterMs: 1000 } : o.ok && o.value === 2 ? { retry: true, afterMs: 0 } : { retry: false }),
    },
  );
  assert.equal(fits.tries, 3);
  assert.deepEqual(time.slept, [1000, 200]);

  const later = fakeTime(5000);
  const stops = await retry(async () => 'busy', {
    deadline: later.deadline,
    sleep: later.sleep,
    classify: () => ({ retry: true, afterMs: 30_000 }),
  });
  assert.deepEqual(stops, { outcome: { ok: true, value: 'busy' }, tries: 1, stop: 'retry-after' });
  assert.deepEqual(later.slept, []);
});

test('an expired deadline after an attempt stops without sleeping', async () => {
  const time = fakeTime(0);
  const result = await retry(async () => 'x', { deadline: time.deadline, sleep: time.sleep, classify: () => ({ retry: true }) });
  assert.equal(result.stop, 'deadline');
  assert.equal(result.tries, 1);
});

test('Retry-After: seconds, HTTP dates, garbage', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter('', now), null);
  assert.equal(parseRetryAfter(undefined, now), null);
});

// Retries with jittered exponential backoff inside a deadline; pure apart from the injected sleep, random and clock.
import type { Deadline } from './deadline.js';

/** What one attempt produced: a value (which may still deserve a retry, e.g. HTTP 503) or an error. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Whether to try again; `afterMs` is a delay the other side asked for (Retry-After), never undercut by the backoff. */
export type Verdict = { retry: false } | { retry: true; afterMs?: number };

interface BackoffOptions {
  /** First delay in milliseconds (default 100). */
  initialMs?: number;
  /**
   * Largest delay in milliseconds (default 500): the metadata service is one hop away, and at
   * boot a service that comes up late should be found within half a second.
   */
  maxMs?: number;
  /** Random number in [0, 1) for jitter (default Math.random). */
  random?: () => number;
}

interface RetryOptions<T> extends BackoffOptions {
  deadline: Deadline;
  /** Decide after each attempt whether another one is worth it. */
  classify: (outcome: Outcome<T>) => Verdict;
  sleep: (ms: number) => Promise<void>;
}

type StopReason = 'done' | 'deadline' | 'retry-after';

interface RetryResult<T> {
  /** The last attempt's outcome. */
  outcome: Outcome<T>;
  tries: number;
  /**
   * `done`: the last outcome needs no retry. `deadline`: it did, but no time was left for
   * another try. `retry-after`: the delay the other side asked for ends after the deadline.
   */
  stop: StopReason;
}

/**
 * The delay before try number `tries + 1`: `initialMs * 2^(tries-1)` capped at `maxMs`, with
 * "equal jitter" (half fixed, half random) so clients that failed together spread out.
 */
export function backoffDelay(tries: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 500;
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * 2 ** Math.max(0, tries - 1));
  return Math.round(base / 2 + random() * (base / 2));
}

/**
 * Parse a Retry-After header (delta seconds or an HTTP date) into milliseconds from `now`;
 * null when absent or unparsable. A date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (text === '' || Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/**
 * Run `attempt` until `classify` says stop or the deadline leaves no room for another try.
 * Never throws what an attempt throws: the caller gets the last outcome and the try count and
 * decides what to report.
 */
export async function retry<T>(attempt: (tryNumber: number) => Promise<T>, options: RetryOptions<T>): Promise<RetryResult<T>> {
  let tries = 0;
  for (;;) {
    tries += 1;
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await attempt(tries) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const verdict = options.classify(outcome);
    if (!verdict.retry) return { outcome, tries, stop: 'done' };
    const remaining = options.deadline.remaining();
    if (remaining === 0) return { outcome, tries, stop: 'deadline' };
    if (verdict.afterMs !== undefined && verdict.afterMs >= remaining) return { outcome, tries, stop: 'retry-after' };
    const delay = Math.max(verdict.afterMs ?? 0, backoffDelay(tries, options));
    if (delay >= remaining) return { outcome, tries, stop: 'deadline' };
    await options.sleep(delay);
    if (options.deadline.expired) return { outcome, tries, stop: 'deadline' };
  }
}

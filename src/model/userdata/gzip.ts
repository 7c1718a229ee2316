// gzip by its magic bytes, inflated under a byte budget shared by every part so that a zip bomb is refused.
import { gunzipSync } from 'node:zlib';

export function isGzip(data: Buffer): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** The bytes still allowed to come out of gzip for one user-data. */
export interface InflateBudget {
  remaining: number;
}

/**
 * Inflates gzip data; throws an Error saying why when it is corrupt or would inflate past the
 * budget (zlib stops at the limit: the bomb is never held in memory).
 */
export function gunzipBounded(data: Buffer, budget: InflateBudget, limitText: string): Buffer {
  let out: Buffer;
  try {
    out = gunzipSync(data, { maxOutputLength: Math.max(budget.remaining, 1) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw new Error(`gzip inflates to more than ${limitText}; refused`);
    throw new Error(`gzip data is corrupt (${code ?? 'error'})`);
  }
  if (out.length > budget.remaining) throw new Error(`gzip inflates to more than ${limitText}; refused`);
  budget.remaining -= out.length;
  return out;
}

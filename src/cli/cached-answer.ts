// Whether the cache can answer `mdctl get KEY`, shared by the get command and the direct path of main.ts; prints nothing.
import { SENSITIVE_FILE, type CacheRead } from '../cache/cache.js';
import { touchesSensitive } from '../cache/sensitive.js';
import { MdctlError, quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { lookup } from './keypath.js';

export interface Answer {
  document: Instance;
  /** Set when the sensitive keys are left out of `document`, and why. */
  withoutSensitive: string | null;
}

type CachedAnswer =
  | { answer: Answer }
  /** Fetch; `warning` says why a cache that was there is not used. */
  | { answer: null; warning: string | null };

/**
 * Decides whether the cache can answer `segments`. A sensitive key that this user cannot read is
 * ERR_PERMISSION; a missing or stale sensitive file means fetching again.
 */
export function answerFromCache(cached: CacheRead, key: string, segments: string[]): CachedAnswer {
  if (cached.state === 'missing') return { answer: null, warning: null };
  if (cached.state === 'invalid') return { answer: null, warning: `cache ignored: ${cached.reason}; fetching again` };
  if (cached.sensitive === 'ok') return { answer: { document: cached.document, withoutSensitive: null } };
  const found = lookup(cached.document, segments);
  const where = touchesSensitive(found.found ? found.path : segments);
  if (where === 'none') return { answer: { document: cached.document, withoutSensitive: null } };
  if (cached.sensitive === 'denied') {
    if (where === 'inside') {
      throw new MdctlError('ERR_PERMISSION', `get: ${quote(key)} is sensitive: ${cached.sensitiveProblem ?? SENSITIVE_FILE}`, {
        hint: 'run mdctl as root',
      });
    }
    return { answer: { document: cached.document, withoutSensitive: cached.sensitiveProblem ?? SENSITIVE_FILE } };
  }
  return { answer: null, warning: `sensitive cache ignored: ${cached.sensitiveProblem ?? SENSITIVE_FILE}; fetching again` };
}

// `mdctl get [KEY]`: one value of the cached instance document, fetching first when needed.
import { readCache, SENSITIVE_FILE, type CacheRead } from '../../cache/cache.js';
import { touchesSensitive } from '../../cache/sensitive.js';
import { Exit, MdctlError, quote } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { CommandContext } from '../context.js';
import { lookup, parseKey } from '../keypath.js';
import { lookupUserDataView } from '../userdata-view.js';

interface Answer {
  document: Instance;
  /** Set when the sensitive keys are left out of `document`, and why. */
  withoutSensitive: string | null;
}

/** Fetches and caches the document; the fetch code (got, ora, sources) loads only here. */
async function fetchDocument(ctx: CommandContext): Promise<Answer> {
  const { FETCH_TIMEOUT_SECONDS, fetchInstance, fetchRequest, parseTimeout } = await import('../fetcher.js');
  const { opts, out } = ctx;
  const timeoutMs = parseTimeout(opts.timeout, FETCH_TIMEOUT_SECONDS);
  const spinner = await out.spinner('Fetching instance metadata');
  try {
    const { instance } = await fetchInstance(fetchRequest(ctx, timeoutMs, 'best-effort'));
    spinner.stop();
    return { document: instance, withoutSensitive: null };
  } catch (error) {
    spinner.fail();
    throw error;
  }
}

/**
 * Decides whether the cache can answer `segments`: null means fetch. A sensitive key that this
 * user cannot read is ERR_PERMISSION; a missing or stale sensitive file is refetched.
 */
function answerFromCache(ctx: CommandContext, cached: CacheRead, key: string, segments: string[]): Answer | null {
  if (cached.state === 'missing') return null;
  if (cached.state === 'invalid') {
    ctx.out.warn(`cache ignored: ${cached.reason}; fetching again`);
    return null;
  }
  if (cached.sensitive === 'ok') return { document: cached.document, withoutSensitive: null };
  const found = lookup(cached.document, segments);
  const where = touchesSensitive(found.found ? found.path : segments);
  if (where === 'none') return { document: cached.document, withoutSensitive: null };
  if (cached.sensitive === 'denied') {
    if (where === 'inside') {
      throw new MdctlError('ERR_PERMISSION', `get: ${quote(key)} is sensitive: ${cached.sensitiveProblem ?? SENSITIVE_FILE}`, {
        hint: 'run mdctl as root',
      });
    }
    return { document: cached.document, withoutSensitive: cached.sensitiveProblem ?? SENSITIVE_FILE };
  }
  ctx.out.warn(`sensitive cache ignored: ${cached.sensitiveProblem ?? SENSITIVE_FILE}; fetching again`);
  return null;
}

export async function run(ctx: CommandContext): Promise<number> {
  const { opts, out } = ctx;
  const key = ctx.args[0] ?? '';
  const segments = parseKey(key);
  const cached = opts.refresh === true ? null : answerFromCache(ctx, await readCache(opts.cacheDir), key, segments);
  const answer = cached ?? (await fetchDocument(ctx));
  const found = (await lookupUserDataView(answer.document, segments)) ?? lookup(answer.document, segments);
  if (!found.found) throw new MdctlError('ERR_NO_SUCH_KEY', `get: no key ${quote(key)} in the instance document`);
  if (answer.withoutSensitive !== null) out.warn(`sensitive keys left out: ${answer.withoutSensitive}`);
  if (typeof found.value === 'string' && !out.structured) out.data(found.value);
  else await out.value(found.value);
  return Exit.OK;
}

// `mdctl get [KEY]`: one value of the cached instance document, fetching first when needed.
import { FETCH_TIMEOUT_SECONDS, parseTimeout } from '../../core/defaults.js';
import { readCache } from '../../cache/cache.js';
import { Exit, MdctlError, quote } from '../../core/errors.js';
import { answerFromCache, type Answer } from '../cached-answer.js';
import { loadConfig } from '../../config/config.js';
import type { CommandContext } from '../context.js';
import { lookup, parseKey } from '../keypath.js';
import { lookupUserDataView, sensitiveSegments } from '../userdata-view.js';

/** Fetches and caches the document; the fetch code (got, ora, sources) loads only here. */
async function fetchDocument(ctx: CommandContext): Promise<Answer> {
  const { fetchInstance } = await import('../../sources/fetch.js');
  const { fetchRequest, sourceName } = await import('../fetch-request.js');
  const { opts, out } = ctx;
  const timeoutMs = parseTimeout(opts.timeout, FETCH_TIMEOUT_SECONDS);
  const spinner = await out.spinner(`Fetching instance metadata from ${sourceName(opts)}`);
  try {
    const { instance } = await fetchInstance(fetchRequest(ctx, timeoutMs, 'best-effort'));
    spinner.stop();
    return { document: instance, withoutSensitive: null };
  } catch (error) {
    spinner.fail();
    throw error;
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const { opts, out } = ctx;
  // A config named on purpose that is missing, or a bad one, is refused here as by every command that reads it.
  await loadConfig(opts.config);
  const key = ctx.args[0] ?? '';
  const segments = parseKey(key);
  const cached = opts.refresh === true ? null : answerFromCache(await readCache(opts.cacheDir), key, sensitiveSegments(segments));
  if (cached?.answer === null && cached.warning !== null) out.warn(cached.warning);
  const answer = cached?.answer ?? (await fetchDocument(ctx));
  const found = (await lookupUserDataView(answer.document, segments)) ?? lookup(answer.document, segments);
  if (!found.found) throw new MdctlError('ERR_NO_SUCH_KEY', `get: no key ${quote(key)} in the instance document`);
  if (answer.withoutSensitive !== null) out.warn(`sensitive keys left out: ${answer.withoutSensitive}`);
  if (typeof found.value === 'string' && !out.structured) out.data(found.value);
  else await out.value(found.value);
  return Exit.OK;
}

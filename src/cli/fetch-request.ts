// The fetch request a command's global options describe, with its messages going to the command's output.
import type { FetchRequest } from '../sources/fetch.js';
import type { CommandContext } from './context.js';

/** The fetch request a command's global options describe. */
export function fetchRequest(ctx: CommandContext<object>, timeoutMs: number, cache: FetchRequest['cache'] = 'write'): FetchRequest {
  return {
    endpoint: ctx.opts.endpoint,
    source: ctx.opts.source,
    cacheDir: ctx.opts.cacheDir,
    timeoutMs,
    log: (message) => ctx.out.debug(message),
    cache,
    warn: (message) => ctx.out.warn(message),
    config: ctx.opts.config,
  };
}

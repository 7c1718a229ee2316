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

/** Where a fetch will read from, for the spinner and boot's progress lines. */
export function sourceName(opts: { endpoint?: string | undefined; source: string }): string {
  if (opts.endpoint !== undefined && opts.endpoint !== '') return opts.endpoint;
  if (opts.source.startsWith('configdrive')) return 'the config drive';
  return 'http://169.254.169.254 (or fe80::a9fe:a9fe)';
}

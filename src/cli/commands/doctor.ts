// `mdctl doctor`: walks the path to the metadata service hop by hop and names the first hop that fails.
import { readCache } from '../../cache/cache.js';
import { readRoutes } from '../../net/route.js';
import type { CommandContext } from '../context.js';
import { closing, exitStatus } from '../../doctor/report.js';
import { printChecks } from '../check-report.js';
import { walk } from '../../doctor/walk.js';
import { FETCH_TIMEOUT_SECONDS, parseTimeout } from '../../core/defaults.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { opts, out } = ctx;
  const hops = await walk(
    {
      endpoint: opts.endpoint,
      cacheDir: opts.cacheDir,
      configPath: opts.config,
      timeoutMs: parseTimeout(opts.timeout, FETCH_TIMEOUT_SECONDS),
      env: ctx.env,
      log: (message) => out.debug(message),
    },
    {
      readRoutes: () => readRoutes('/'),
      clientFactory: async () => (await import('../../net/http.js')).createClient,
      readCache,
      now: () => new Date(),
    },
  );
  await printChecks(out, hops, closing(hops));
  return exitStatus(hops);
}

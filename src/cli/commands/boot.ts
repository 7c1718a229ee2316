// `mdctl boot`: what the boot unit runs — fetch with the boot deadline (retrying until the service answers), then apply.
import { lockStateDir } from '../../appliers/state.js';
import { Deadline } from '../../core/deadline.js';
import { Exit, exitStatusOf, isMdctlError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { Release } from '../../system/lock.js';
import { loadConfig } from '../../config/config.js';
import type { CommandContext } from '../context.js';
import { BOOT_TIMEOUT_SECONDS, FETCH_TIMEOUT_SECONDS, parseTimeout } from '../../core/defaults.js';
import { fetchInstance } from '../../sources/fetch.js';
import { fetchRequest } from '../fetch-request.js';
import { runLocalStage } from '../local-stage.js';
import { localStageDocument, mayReuseLocalStage } from '../../sources/local-stage.js';
import { applyDocument, prepareAppliers, type ApplyFlags } from './apply.js';

const FIRST_PAUSE_MS = 500;
const MAX_PAUSE_MS = 5_000;
/** Each attempt discovers the routes afresh, so a route that appears later is found. */
const ATTEMPT_MS = FETCH_TIMEOUT_SECONDS * 1000;

/** Fetches until the service answers or the deadline passes; only "unreachable" failures (exit 4) are retried. */
async function fetchWithinDeadline(ctx: CommandContext<ApplyFlags>, deadline: Deadline): Promise<Instance> {
  const local = mayReuseLocalStage(ctx.opts) ? await localStageDocument(ctx.opts.cacheDir) : null;
  if (local !== null) {
    ctx.out.debug(`using what the local stage of this boot read from the config drive ${local.source.endpoint}`);
    return local;
  }
  let pause = FIRST_PAUSE_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const timeoutMs = Math.max(1, Math.min(ATTEMPT_MS, deadline.remaining()));
      const { instance } = await fetchInstance(fetchRequest(ctx, timeoutMs, ctx.opts.dryRun === true ? 'skip' : 'write'));
      return instance;
    } catch (error) {
      if (exitStatusOf(error) !== Exit.UNREACHABLE || deadline.remaining() <= pause) throw error;
      const why = isMdctlError(error) ? error.message : String(error);
      if (attempt === 1) ctx.out.info(`waiting for the metadata service (${why})`);
      else ctx.out.debug(`attempt ${attempt}: ${why}`);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const typed = ctx as unknown as CommandContext<ApplyFlags & { local?: boolean }>;
  const config = await loadConfig(typed.opts.config);
  const timeoutMs = typed.opts.timeout !== undefined ? parseTimeout(typed.opts.timeout, BOOT_TIMEOUT_SECONDS) : (config.boot_timeout ?? BOOT_TIMEOUT_SECONDS) * 1000;
  if (typed.opts.local === true) return runLocalStage(typed, config, timeoutMs);
  const prepared = await prepareAppliers(typed, config);
  const deadline = Deadline.fromProcessStart(timeoutMs);
  let release: Release | undefined;
  if (typed.opts.dryRun !== true) release = await lockStateDir(typed.opts.stateDir, timeoutMs);
  try {
    const doc = await fetchWithinDeadline(typed, deadline);
    return await applyDocument(typed, doc, prepared, { locked: true });
  } finally {
    await release?.();
  }
}

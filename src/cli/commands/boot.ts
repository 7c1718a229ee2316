// `mdctl boot`: what the boot unit runs — fetch with the boot deadline (retrying until the service answers), then apply.
import { lockStateDir } from '../../appliers/state.js';
import { Deadline } from '../../core/deadline.js';
import { Exit, MdctlError, exitStatusOf, isMdctlError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { Release } from '../../system/lock.js';
import { loadConfig } from '../../config/config.js';
import type { CommandContext } from '../context.js';
import { BOOT_TIMEOUT_SECONDS, FETCH_TIMEOUT_SECONDS, parseTimeout } from '../../core/defaults.js';
import { fetchInstance } from '../../sources/fetch.js';
import { fetchRequest } from '../fetch-request.js';
import type { StepObserver } from '../../core/timeline.js';
import type { Stage } from '../../status/report.js';
import { BootReportWriter } from '../../status/writer.js';
import { WaitingReport } from '../waiting-report.js';
import { runLocalStage } from '../local-stage.js';
import { localStageDocument, mayReuseLocalStage } from '../../sources/local-stage.js';
import { applyDocument, prepareAppliers, type ApplyFlags } from './apply.js';
import { keysForUnreachableBoot } from '../host-keys-view.js';

const FIRST_PAUSE_MS = 500;
const MAX_PAUSE_MS = 5_000;
/** Each attempt discovers the routes afresh, so a route that appears later is found. */
const ATTEMPT_MS = FETCH_TIMEOUT_SECONDS * 1000;

/** The failure to report: an attempt the deadline cut short says less than the failure that kept boot trying. */
function lastCause(error: unknown, earlier: MdctlError | undefined, deadline: Deadline): unknown {
  if (!isMdctlError(error) || error.code !== 'ERR_TIMEOUT' || !deadline.expired || earlier === undefined) return error;
  return new MdctlError(earlier.code, `${earlier.message}; the last attempt was cut short by the deadline`, { hint: earlier.hint, cause: error });
}

/** Fetches until the service answers or the deadline passes; only "unreachable" failures (exit 4) are retried. */
async function fetchWithinDeadline(ctx: CommandContext<ApplyFlags>, deadline: Deadline, observe: StepObserver): Promise<Instance> {
  const local = mayReuseLocalStage(ctx.opts) ? await localStageDocument(ctx.opts.cacheDir) : null;
  if (local !== null) {
    ctx.out.debug(`using what the local stage of this boot read from the config drive ${local.source.endpoint}`);
    return local;
  }
  let pause = FIRST_PAUSE_MS;
  const waiting = new WaitingReport(ctx);
  let earlier: MdctlError | undefined;
  try {
    for (; ; waiting.attempt += 1) {
      try {
        const timeoutMs = Math.max(1, Math.min(ATTEMPT_MS, deadline.remaining()));
        const request = fetchRequest(ctx, timeoutMs, ctx.opts.dryRun === true ? 'skip' : 'write');
        const { instance } = await fetchInstance({ ...request, log: (message) => waiting.log(message), observe });
        return instance;
      } catch (error) {
        if (exitStatusOf(error) !== Exit.UNREACHABLE || deadline.remaining() <= pause) throw lastCause(error, earlier, deadline);
        if (isMdctlError(error) && error.code !== 'ERR_TIMEOUT') earlier = error;
        waiting.failed(isMdctlError(error) ? error.message : String(error));
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
      }
    }
  } finally {
    waiting.stop();
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const typed = ctx as unknown as CommandContext<ApplyFlags & { local?: boolean }>;
  // The stage the boot report records this run as (`local` is the stage before networking).
  const stage: Stage = typed.opts.local === true ? 'local' : 'boot';
  const report = await BootReportWriter.start({ stateDir: typed.opts.stateDir, stage, env: ctx.env, enabled: typed.opts.dryRun !== true, warn: (message) => ctx.out.warn(message) });
  return report.track(() => boot(typed, report));
}

/** The boot itself; `report` records it in the state dir as it goes. */
async function boot(typed: CommandContext<ApplyFlags & { local?: boolean }>, report: BootReportWriter): Promise<number> {
  const config = await loadConfig(typed.opts.config);
  const timeoutMs = typed.opts.timeout !== undefined ? parseTimeout(typed.opts.timeout, BOOT_TIMEOUT_SECONDS) : (config.boot_timeout ?? BOOT_TIMEOUT_SECONDS) * 1000;
  if (typed.opts.local === true) return runLocalStage(typed, config, timeoutMs, report);
  const prepared = await prepareAppliers(typed, config);
  const deadline = Deadline.fromProcessStart(timeoutMs);
  let release: Release | undefined;
  if (typed.opts.dryRun !== true) release = await lockStateDir(typed.opts.stateDir, timeoutMs);
  try {
    await report.open();
    const doc = await fetchWithinDeadline(typed, deadline, report.observe).catch(async (error: unknown) => {
      if (exitStatusOf(error) === Exit.UNREACHABLE) await keysForUnreachableBoot(typed, config, prepared);
      throw error;
    });
    report.instance(doc);
    return await applyDocument(typed, doc, prepared, { locked: true, onApplied: report.applied });
  } finally {
    await release?.();
  }
}

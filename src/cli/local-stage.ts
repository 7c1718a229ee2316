// `mdctl boot --local`: the stage before networking — read the config drive, cache it, run the network and routes appliers.
import { localStageAppliers } from '../appliers/stages.js';
import { lockStateDir } from '../appliers/state.js';
import type { MdctlConfig } from '../config/config.js';
import { Exit } from '../core/errors.js';
import type { BootReportWriter } from '../status/writer.js';
import type { Release } from '../system/lock.js';
import { fetchLocal } from '../sources/local-stage.js';
import { applyDocument, prepareAppliers, type ApplyFlags } from './commands/apply.js';
import type { CommandContext } from './context.js';
import { fetchRequest } from './fetch-request.js';

/** No drive: nothing to do, exit 0 (the boot unit goes to the network later). */
export async function runLocalStage(ctx: CommandContext<ApplyFlags>, config: MdctlConfig, timeoutMs: number, report: BootReportWriter): Promise<number> {
  const dryRun = ctx.opts.dryRun === true;
  const prepared = await prepareAppliers(ctx, config, localStageAppliers);
  let release: Release | undefined;
  if (!dryRun) release = await lockStateDir(ctx.opts.stateDir, timeoutMs);
  try {
    await report.open();
    const fetched = await fetchLocal({ ...fetchRequest(ctx, timeoutMs, dryRun ? 'skip' : 'write'), observe: report.observe });
    if (fetched === null) {
      ctx.out.info('no config drive: nothing to do before networking');
      return Exit.OK;
    }
    ctx.out.debug(`local stage: ${fetched.instance.instance_id} from the config drive ${fetched.instance.source.endpoint}`);
    report.instance(fetched.instance);
    return await applyDocument(ctx, fetched.instance, prepared, { locked: true, onApplied: report.applied });
  } finally {
    await release?.();
  }
}

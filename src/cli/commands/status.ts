// `mdctl status`: the boot report of this machine boot — a summary, the timeline with --long, the report with --json; --wait until the boot is over.
import { Exit } from '../../core/errors.js';
import { parseTimeout } from '../../core/defaults.js';
import { renderSummary, renderTimeline, statusJson } from '../../status/render.js';
import { readStatus, waitForBoot } from '../../status/wait.js';
import type { CommandContext } from '../context.js';

interface StatusFlags {
  long?: boolean;
  wait?: boolean;
}

/** Exits with the boot's own status once it is over (0 while it runs or has not run). */
export async function run(ctx: CommandContext): Promise<number> {
  const { opts, out } = ctx as unknown as CommandContext<StatusFlags>;
  const options = { stateDir: opts.stateDir };
  const view =
    opts.wait === true
      ? await waitForBoot({
          ...options,
          timeoutMs: opts.timeout === undefined ? undefined : parseTimeout(opts.timeout, 0),
          onWaiting: (seen) => out.info(`waiting for this boot's run of mdctl to end (status now: ${seen.summary})`),
        })
      : await readStatus(options);
  if (out.structured) await out.value(statusJson(view));
  else out.data(opts.long === true ? renderTimeline(view) : renderSummary(view));
  return view.over ? (view.exitStatus ?? Exit.FAILURE) : Exit.OK;
}

// Prints the SSH host key blocks (stdout, or stderr beside --json) and adds the fingerprints to the JSON report; the boot hook without metadata.
import { hostKeysJson, hostKeysOutcome, keysWithoutMetadata, type HostKeysOutcome } from '../appliers/host-key-report.js';
import type { ApplierRun } from '../appliers/runner.js';
import type { MdctlConfig } from '../config/config.js';
import { isMdctlError } from '../core/errors.js';
import type { CommandContext } from './context.js';
import type { ApplyFlags, PreparedAppliers } from './commands/apply.js';

function printBlocks(ctx: CommandContext<ApplyFlags>, outcome: HostKeysOutcome): void {
  if (ctx.out.structured) ctx.out.info(outcome.blocks.trimEnd());
  else if (!ctx.out.quiet) ctx.out.data(outcome.blocks);
}

/** After a run: prints the blocks when the run made the keys the instance's; returns the outcome for the report. */
export async function printHostKeys(ctx: CommandContext<ApplyFlags>, runs: readonly ApplierRun[]): Promise<HostKeysOutcome | null> {
  const outcome = await hostKeysOutcome(runs);
  if (outcome?.published === true) printBlocks(ctx, outcome);
  return outcome;
}

/** The JSON report with a host_keys entry when there are host keys. */
export function withHostKeys(report: unknown, outcome: HostKeysOutcome | null): unknown {
  return outcome === null ? report : { ...(report as object), host_keys: hostKeysJson(outcome) };
}

/**
 * At a boot that reads no metadata (exit 4): host keys for sshd when the image has none. A
 * failure here is reported; the boot's own exit status stands.
 */
export async function keysForUnreachableBoot(ctx: CommandContext<ApplyFlags>, config: MdctlConfig, prepared: PreparedAppliers): Promise<void> {
  const { runOptions } = prepared;
  if (runOptions.dryRun || !prepared.selected.some((applier) => applier.id === 'host-keys')) return;
  try {
    const outcome = await keysWithoutMetadata({
      root: runOptions.root,
      live: runOptions.live,
      stateDir: ctx.opts.stateDir,
      ...(config.host_keys === undefined ? {} : { config: config.host_keys }),
    });
    if (outcome !== null) printBlocks(ctx, outcome);
  } catch (error) {
    ctx.out.error(`host-keys: ${isMdctlError(error) ? error.message : String(error)}`);
  }
}

// `mdctl install --root DIR [--dry-run]`: puts the build, launcher, boot unit, config and man page into an image root.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Exit, MdctlError, quote } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { locateArtifacts } from '../../install/artifacts.js';
import { applyInstall, planInstall, type InstallStep } from '../../install/plan.js';

interface InstallOptions {
  root?: string;
  dryRun?: boolean;
}

async function imageRoot(dir: string | undefined): Promise<string> {
  if (dir === undefined || dir === '') {
    throw new MdctlError('ERR_USAGE', 'install: --root DIR is required', { hint: 'use --root / to install into this system' });
  }
  const root = resolve(dir);
  const stats = await stat(root).catch(() => null);
  if (stats === null || !stats.isDirectory()) {
    throw new MdctlError('ERR_USAGE', `install: image root ${quote(dir)}: ${stats === null ? 'no such directory' : 'not a directory'}`, {
      hint: "mount the image's root file system there first, e.g. with guestmount, or qemu-nbd and mount; or use --root / for this system",
    });
  }
  return root;
}

function describe(step: InstallStep): string {
  const what = step.kind === 'link' ? `-> ${step.target}` : `(${step.mode.toString(8).padStart(4, '0')})`;
  return `${step.action.padEnd(9)} ${step.path} ${what}`;
}

export async function run(ctx: CommandContext<InstallOptions>): Promise<number> {
  const root = await imageRoot(ctx.opts.root);
  const dryRun = ctx.opts.dryRun === true;
  const steps = await planInstall(root, await locateArtifacts());
  if (!dryRun) await applyInstall(root, steps);

  const written = steps.filter((s) => s.action === 'create' || s.action === 'update').length;
  if (ctx.out.structured) {
    await ctx.out.value({
      root,
      dry_run: dryRun,
      files: steps.map((s) => ({ path: s.path, kind: s.kind, action: s.action })),
    });
  } else {
    for (const step of steps) ctx.out.data(describe(step));
  }
  const verb = dryRun ? 'would write' : 'wrote';
  ctx.out.info(`${verb} ${written} of ${steps.length} files under ${root}${dryRun ? ' (dry run: nothing written)' : ''}`);
  return Exit.OK;
}

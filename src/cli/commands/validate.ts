// `mdctl validate [--root DIR] [--endpoint URL | --fixture FILE]`: checks an image root and the metadata it will get.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MdctlError, quote } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { FETCH_TIMEOUT_SECONDS, parseTimeout } from '../../core/defaults.js';
import type { MetadataTarget } from '../../validate/metadata.js';
import { exitStatus, summary } from '../../validate/report.js';
import { printChecks } from '../check-report.js';
import { validate } from '../../validate/run.js';

interface ValidateOptions {
  root: string;
  fixture?: string;
}

async function imageRoot(dir: string): Promise<string> {
  const root = resolve(dir);
  const stats = await stat(root).catch(() => null);
  if (stats === null || !stats.isDirectory()) throw new MdctlError('ERR_USAGE', `validate: image root ${quote(dir)}: no such directory`);
  return root;
}

/** --endpoint or --fixture, not both; neither: image checks only (validate never goes looking for a metadata service). */
function metadataTarget(endpoint: string | undefined, fixture: string | undefined): MetadataTarget | null {
  const hasEndpoint = endpoint !== undefined && endpoint !== '';
  if (hasEndpoint && fixture !== undefined) {
    throw new MdctlError('ERR_USAGE', 'validate: give --endpoint URL or --fixture FILE, not both');
  }
  if (hasEndpoint) return { kind: 'endpoint', url: endpoint };
  return fixture === undefined ? null : { kind: 'fixture', file: fixture };
}

export async function run(ctx: CommandContext<ValidateOptions>): Promise<number> {
  const { opts, out } = ctx;
  const root = await imageRoot(opts.root);
  const target = metadataTarget(opts.endpoint, opts.fixture);
  const timeoutMs = parseTimeout(opts.timeout, FETCH_TIMEOUT_SECONDS);
  const spinner = await out.spinner(`Validating ${root}`);
  try {
    const report = await validate({ root, configPath: opts.config, target, timeoutMs, log: (message) => out.debug(message) });
    spinner.stop();
    await printChecks(out, report.results, `validate: ${summary(report.results)}`);
    return exitStatus(report);
  } catch (error) {
    spinner.fail();
    throw error;
  }
}

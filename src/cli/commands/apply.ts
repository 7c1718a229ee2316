// `mdctl apply`: plan every applier from the cached document, print the plan, apply it, remember what mdctl added.
import { FETCH_TIMEOUT_SECONDS, parseTimeout } from '../../core/defaults.js';
import { resolve } from 'node:path';
import { loadPlugins, type PluginFailure } from '../../appliers/plugins.js';
import { builtinAppliers } from '../../appliers/registry.js';
import { applyPlanned, planAppliers, rememberedState, selectAppliers, type ApplierRun } from '../../appliers/runner.js';
import { lockStateDir, readState, writeState } from '../../appliers/state.js';
import type { Applier } from '../../core/applier.js';
import { Exit, isMdctlError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { systemdRunning, hostnameSetter } from '../../system/hostname.js';
import { ipAddressTable } from '../../system/ipaddr.js';
import { ipRouteTable } from '../../system/iproute.js';
import type { Release } from '../../system/lock.js';
import { loadConfig, type MdctlConfig } from '../../config/config.js';
import type { CommandContext } from '../context.js';
import { planJson, renderPlan, renderSummary } from '../plan-view.js';

/** How long `apply` waits for another mdctl holding the state dir's lock. */
export const LOCK_WAIT_MS = 30_000;

export interface ApplyFlags {
  only?: string;
  skip?: string;
  dryRun?: boolean;
  root: string;
  live?: boolean;
  user?: string;
  applier?: string[];
}

function idList(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').map((id) => id.trim()).filter((id) => id !== '');
}

/** Built-ins plus (unless `withPlugins` is false) plugins from the config file and --applier; plugins that fail are reported, not fatal. */
async function appliersFor(ctx: CommandContext<ApplyFlags>, config: MdctlConfig, root: string, withPlugins = true): Promise<{ appliers: Applier[]; failures: PluginFailure[] }> {
  const builtins = builtinAppliers({
    hostname: hostnameSetter({ hostnamectl: root === '/' && (await systemdRunning()) }),
    routes: ipRouteTable(),
    stateDir: ctx.opts.stateDir,
    network: { renderer: config.network?.renderer ?? 'auto', addresses: ipAddressTable() },
  });
  if (!withPlugins) return { appliers: builtins, failures: [] };
  const modules = [...config.appliers, ...(ctx.opts.applier ?? []).map((name) => ({ name, baseDir: process.cwd() }))];
  const plugins = await loadPlugins(
    modules,
    builtins.map((applier) => applier.id),
  );
  return { appliers: [...builtins, ...plugins.appliers], failures: plugins.failures };
}

/** The cached document, or a fresh fetch when there is none (or it cannot be trusted). */
async function cachedDocument(ctx: CommandContext<ApplyFlags>): Promise<Instance> {
  const { readCache } = await import('../../cache/cache.js');
  const cached = await readCache(ctx.opts.cacheDir);
  if (cached.state === 'ok') return cached.document;
  if (cached.state === 'invalid') ctx.out.warn(`cache ignored: ${cached.reason}; fetching again`);
  else ctx.out.info('no cached metadata; fetching');
  const { fetchInstance } = await import('../../sources/fetch.js');
  const { fetchRequest } = await import('../fetch-request.js');
  const timeoutMs = parseTimeout(ctx.opts.timeout, FETCH_TIMEOUT_SECONDS);
  const { instance } = await fetchInstance(fetchRequest(ctx, timeoutMs, ctx.opts.dryRun === true ? 'skip' : 'write'));
  return instance;
}

async function report(ctx: CommandContext<ApplyFlags>, runs: ApplierRun[], failures: PluginFailure[], dryRun: boolean): Promise<void> {
  const { out } = ctx;
  for (const run of runs) {
    for (const warning of run.warnings) out.warn(`${run.applier.id}: ${warning}`);
    for (const error of run.errors) out.error(`${run.applier.id}: ${error}`);
  }
  if (out.structured) await out.value(planJson(runs, failures));
  else if (!out.quiet) out.data(renderSummary(runs, failures, dryRun, await out.chalk()));
}

export interface ApplyDocumentOptions {
  /** Set when the caller (boot) already holds the state dir's lock. */
  locked?: boolean;
  lockWaitMs?: number;
}

/** The appliers a run will use, chosen before any metadata is read so a bad --only fails at once. */
export interface PreparedAppliers {
  selected: Applier[];
  failures: PluginFailure[];
  runOptions: { root: string; live: boolean; dryRun: boolean; user: string | undefined };
}

/**
 * Loads plugins and applies --only/--skip (or the config's); an unknown applier id is ERR_USAGE.
 * `stage` (the local stage) keeps only those built-ins and loads no plugin.
 */
export async function prepareAppliers(ctx: CommandContext<ApplyFlags>, config: MdctlConfig, stage?: (appliers: readonly Applier[]) => Applier[]): Promise<PreparedAppliers> {
  const { opts } = ctx;
  const root = resolve(opts.root);
  const runOptions = { root, live: opts.live ?? root === '/', dryRun: opts.dryRun === true, user: opts.user ?? config.user };
  const { appliers, failures } = await appliersFor(ctx, config, root, stage === undefined);
  const selected = selectAppliers(appliers, idList(opts.only) ?? config.only, idList(opts.skip) ?? config.skip);
  return { selected: stage === undefined ? selected : stage(selected), failures, runOptions };
}

/**
 * Plans and applies the document: the shared body of `apply` and `boot`. Returns 0, or 3 when
 * an applier or plugin failed (the others ran).
 */
export async function applyDocument(ctx: CommandContext<ApplyFlags>, doc: Instance, prepared: PreparedAppliers, options: ApplyDocumentOptions = {}): Promise<number> {
  const { opts, out } = ctx;
  const { selected, failures, runOptions } = prepared;
  const dryRun = runOptions.dryRun;
  for (const failure of failures) out.error(failure.message);
  let release: Release | undefined;
  if (!dryRun && options.locked !== true) release = await lockStateDir(opts.stateDir, options.lockWaitMs ?? LOCK_WAIT_MS);
  try {
    const loaded = await readState(opts.stateDir, doc.instance_id);
    if (loaded.warning !== undefined) out.warn(loaded.warning);
    const runs = await planAppliers(selected, doc, runOptions, loaded.appliers);
    if (!out.structured && !out.quiet) out.data(renderPlan(runs, await out.chalk()));
    await applyPlanned(runs);
    // Changes are already made: a state that cannot be written (disk full) is reported with them, exit 3.
    const stateError = dryRun ? null : await writeState(opts.stateDir, doc.instance_id, rememberedState(runs, loaded.appliers)).then(() => null, (error: unknown) => error);
    await report(ctx, runs, failures, dryRun);
    if (stateError !== null) out.error(`state: ${isMdctlError(stateError) ? stateError.message : String(stateError)}`);
    return runs.some((run) => run.errors.length > 0) || failures.length > 0 || stateError !== null ? Exit.PARTIAL : Exit.OK;
  } finally {
    await release?.();
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const typed = ctx as unknown as CommandContext<ApplyFlags>;
  const config = await loadConfig(typed.opts.config);
  const prepared = await prepareAppliers(typed, config);
  const doc = await cachedDocument(typed);
  return applyDocument(typed, doc, prepared);
}

// `mdctl apply`: plan every applier from the cached document, print the plan, apply it, remember what mdctl added.
import { FETCH_TIMEOUT_SECONDS, parseTimeout } from '../../core/defaults.js';
import { resolve } from 'node:path';
import { loadPlugins, type PluginFailure } from '../../appliers/plugins.js';
import { builtinAppliers } from '../../appliers/registry.js';
import { applyPlanned, planAppliers, rememberedState, selectAppliers, type ApplierRun } from '../../appliers/runner.js';
import { lockStateDir, readState, writeState } from '../../appliers/state.js';
import type { Applier } from '../../core/applier.js';
import { Exit, MdctlError, isMdctlError, quote } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { systemdRunning, hostnameSetter } from '../../system/hostname.js';
import { ipAddressTable } from '../../system/ipaddr.js';
import { ipRouteTable } from '../../system/iproute.js';
import type { Release } from '../../system/lock.js';
import { loadConfig, type MdctlConfig } from '../../config/config.js';
import type { CommandContext } from '../context.js';
import { applierMessages, planJson, renderPlan, renderSummary } from '../plan-view.js';
import { printHostKeys, withHostKeys } from '../host-keys-view.js';

/** How long `apply` waits for another mdctl holding the state dir's lock. */
const LOCK_WAIT_MS = 30_000;

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
    ...(config.host_keys === undefined ? {} : { hostKeys: { config: config.host_keys } }),
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
  if (cached.state === 'ok' && cached.sensitive === 'denied') {
    ctx.out.warn(`user-data and vendor data left out (${cached.sensitiveProblem ?? 'instance-sensitive.json'}): write-files and scripts plan nothing from them; run as root to plan them`);
  }
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
    const { warnings, errors } = applierMessages(run);
    for (const warning of warnings) out.warn(`${run.applier.id}: ${warning}`);
    for (const error of errors) out.error(`${run.applier.id}: ${error}`);
  }
  const hostKeys = await printHostKeys(ctx, runs);
  if (out.structured) await out.value(withHostKeys(planJson(runs, failures), hostKeys));
  else if (!out.quiet) out.data(renderSummary(runs, failures, dryRun, await out.chalk()));
  const denied = runs.flatMap((run) => run.errors).filter((error) => PERMISSION.test(error)).length;
  if (denied > 0 && process.getuid?.() !== 0) out.error(`not root: ${denied} of the errors above are permissions only root has (${NOT_ROOT_HINT})`);
}

/** How the system layer and the tools it runs word a refusal that root would not meet. */
const PERMISSION = /permission denied|\bEACCES\b|\bEPERM\b|must be root|operation not permitted/i;
const NOT_ROOT_HINT = 'run as root, or try it on a copy of the files: --root DIR --no-live --state-dir DIR, and --cache-dir DIR for a cache of your own';

interface ApplyDocumentOptions {
  /** Set when the caller (boot) already holds the state dir's lock. */
  locked?: boolean;
  lockWaitMs?: number;
  /** Hears each applier as it is done (boot's report). */
  onApplied?: (run: ApplierRun) => void;
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
  const only = idList(opts.only);
  const skip = idList(opts.skip);
  checkConfigIds(config, appliers, { only: only === undefined ? config.only : undefined, skip: skip === undefined ? config.skip : undefined });
  const selected = selectAppliers(appliers, only ?? config.only, skip ?? config.skip);
  return { selected: stage === undefined ? selected : stage(selected), failures, runOptions };
}

/** An unknown applier id that came from the config file is refused naming the file and the key. */
function checkConfigIds(config: MdctlConfig, appliers: readonly Applier[], lists: { only: string[] | undefined; skip: string[] | undefined }): void {
  const known = appliers.map((applier) => applier.id);
  for (const [key, ids] of Object.entries(lists)) {
    const unknown = ids?.find((id) => !known.includes(id));
    if (unknown !== undefined) {
      throw new MdctlError('ERR_CONFIG', `config ${quote(config.path ?? '')}: ${quote(key)}: unknown applier ${quote(unknown)}`, { hint: `known: ${known.join(', ')}` });
    }
  }
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
    // The state is recorded as changes are made, so a run killed midway is finished or undone by the next.
    await applyPlanned(runs, dryRun ? undefined : { previous: loaded.appliers, save: (state) => writeState(opts.stateDir, doc.instance_id, state) }, options.onApplied);
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

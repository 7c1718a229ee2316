// The scripts applier: vendor data's and user-data's "#!" parts and cloud-config runcmd, each run once per instance on a live system (chrooted into a root that is not /), with a timeout, logged in the state dir.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { ignoredKeys, readRuncmd } from '../model/userdata/keys.js';
import { ACTED_ON, type UserDataPart } from '../model/userdata/types.js';
import { makeDirectoriesUnder, removeFileUnder, writeFileAtomic } from '../system/files.js';
import { runLogged, type LoggedRun } from '../system/logged-run.js';
import { usableUserData, type UserDataView } from './cloud-config.js';
import { stateFileName } from './state.js';
import type { Applier, ApplyContext, Change } from './types.js';

const ID = 'scripts';

/** How long one script or runcmd entry may run before it is killed (with its process group). */
export const SCRIPT_TIMEOUT_MS = 300_000;

interface ScriptsOptions {
  /** The state dir (--state-dir); without one, scripts are planned and never run. */
  stateDir: string | undefined;
  timeoutMs?: number;
  run?: LoggedRun;
  now?: () => Date;
}

/** One thing to run: a "#!" part (written to a 0700 file and run directly) or a runcmd entry. */
interface Unit {
  /** "part-000", "runcmd-000": the names of its files in the state dir. */
  name: string;
  argv: string[];
  /** The script's bytes (base64) for a part; absent for runcmd. */
  script?: string;
  sha256: string;
}

/** What <name>.status.json holds: written before the run ("started") and after it ("finished"). */
export interface ScriptStatus {
  name: string;
  sha256: string;
  state: 'started' | 'finished';
  started_at: string;
  finished_at?: string;
  exit_code?: number | null;
  signal?: string | null;
  timed_out?: boolean;
  start_error?: string;
}

/** Where a "#!" part is copied inside a root that is not / for its chrooted run (removed after it). */
const IN_ROOT_DIR = '/run/mdctl-scripts';

/** <state>/instances/<id>/scripts: where one instance's scripts, logs and statuses live. */
export function scriptsDir(stateDir: string, instanceId: string): string {
  return join(stateDir, 'instances', stateFileName(instanceId).replace(/\.json$/, ''), 'scripts');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function pad(index: number): string {
  return String(index).padStart(3, '0');
}

/** The parts and runcmd entries in the order they run: parts first (as they appear), then runcmd. */
/** The "#!" parts of user-data or vendor data as units named <prefix>-NNN; other kinds are reported as not run. */
function scriptUnits(parts: readonly UserDataPart[], what: string, prefix: string, ctx: ApplyContext): Unit[] {
  for (const part of parts) {
    if (ACTED_ON.includes(part.type)) continue;
    ctx.warn(`${what} part ${part.index} (${part.content_type}${part.filename === undefined ? '' : `, ${quote(part.filename)}`}, ${part.size} bytes) is kept and not run: mdctl acts only on cloud-config and "#!" scripts`);
  }
  return parts
    .filter((part) => part.type === 'script')
    .map((part) => ({ name: `${prefix}-${pad(part.index)}`, argv: [], script: part.body.toString('base64'), sha256: sha256(part.body) }));
}

/** Vendor data's parts when it is used; its errors fail this applier (its scripts are not run), a user's "off" is a note. */
function vendorUnits(view: UserDataView, ctx: ApplyContext): Unit[] {
  if (view.vendor.parts.length === 0 && view.vendor.errors.length === 0) return [];
  if (!view.vendorEnabled) {
    ctx.warn('vendor data is turned off by the user-data (cloud-config vendor_data: {enabled: false}); none of it is acted on');
    return [];
  }
  if (view.vendor.errors.length > 0) {
    ctx.refuse(`vendor data refused: ${view.vendor.errors.join('; ')}; none of it is acted on`);
    return [];
  }
  return scriptUnits(view.vendor.parts, 'vendor data', 'vendor-part', ctx);
}

function units(doc: Instance, ctx: ApplyContext): Unit[] {
  const view = usableUserData(doc);
  const { userData, config } = view;
  const list: Unit[] = [...vendorUnits(view, ctx), ...scriptUnits(userData.parts, 'user-data', 'part', ctx)];
  if (config !== null) {
    const ignored = ignoredKeys(config);
    if (ignored.length > 0) ctx.warn(`cloud-config keys ignored (not supported): ${ignored.map((key) => quote(key, 40)).join(', ')}`);
    const { commands, problems } = readRuncmd(config);
    for (const problem of problems) ctx.refuse(`${problem}; not run`);
    for (const command of commands) {
      const argv = 'shell' in command ? ['/bin/sh', '-c', command.shell] : command.argv;
      list.push({ name: `runcmd-${pad(command.index)}`, argv, sha256: sha256(JSON.stringify(argv)) });
    }
  }
  return list;
}

async function readStatus(dir: string, name: string): Promise<ScriptStatus | null> {
  try {
    return JSON.parse(await readFile(join(dir, `${name}.status.json`), 'utf8')) as ScriptStatus;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MdctlError('ERR_IO', `cannot read the status of ${quote(name)} in ${quote(dir)}: ${(error as Error).message}`, { cause: error });
  }
}

function describeDone(status: ScriptStatus): string {
  if (status.state === 'started') return `started at ${status.started_at} and never finished; not run again for this instance`;
  if (status.start_error !== undefined) return `could not start (${status.start_error}) at ${status.started_at}; not run again for this instance`;
  if (status.timed_out === true) return `timed out at ${status.finished_at ?? status.started_at}; not run again for this instance`;
  const how = status.exit_code === null || status.exit_code === undefined ? `killed by ${status.signal ?? 'a signal'}` : `exit ${status.exit_code}`;
  return `ran at ${status.started_at} (${how}); once per instance`;
}

function describeUnit(unit: Unit): string {
  return unit.script === undefined ? quote(unit.argv.join(' '), 120) : quote(Buffer.from(unit.script, 'base64').toString('utf8').split('\n')[0] ?? '', 60);
}

/**
 * The argv that runs a unit: on root / as it is; in another root through `chroot ROOT`, a "#!"
 * part copied into the root first (`inRoot`, to remove after the run). The part's copy in the
 * state dir is the record of what ran.
 */
async function commandOf(unit: Unit, dir: string, root: string): Promise<{ argv: string[]; inRoot: string | null }> {
  if (unit.script === undefined) return { argv: root === '/' ? unit.argv : ['chroot', root, ...unit.argv], inRoot: null };
  const bytes = Buffer.from(unit.script, 'base64');
  await writeFileAtomic(dir, unit.name, bytes, { mode: 0o700 });
  if (root === '/') return { argv: [join(dir, unit.name)], inRoot: null };
  const inRoot = `${IN_ROOT_DIR}/${unit.name}`;
  await makeDirectoriesUnder(root, IN_ROOT_DIR);
  await writeFileAtomic(root, inRoot, bytes, { mode: 0o700, uid: 0, gid: 0 });
  return { argv: ['chroot', root, inRoot], inRoot };
}

export function scriptsApplier(options: ScriptsOptions): Applier {
  const timeoutMs = options.timeoutMs ?? SCRIPT_TIMEOUT_MS;
  const run = options.run ?? runLogged;
  const now = options.now ?? (() => new Date());
  return {
    id: ID,
    description: 'runs the user-data\'s "#!" scripts and cloud-config runcmd once per instance (live systems only)',
    async plan(doc: Instance, ctx: ApplyContext): Promise<Change[]> {
      const list = units(doc, ctx);
      if (list.length === 0) return [];
      const dir = options.stateDir === undefined ? null : scriptsDir(options.stateDir, doc.instance_id);
      const changes: Change[] = [];
      for (const unit of list) {
        const status = dir === null ? null : await readStatus(dir, unit.name);
        const target = `${unit.name} ${describeUnit(unit)}`;
        if (status !== null) {
          changes.push({ applier: ID, action: 'noop', target, summary: describeDone(status) });
          continue;
        }
        const where = ctx.root === '/' || !ctx.live ? '' : `, chrooted into ${quote(ctx.root)}`;
        const change: Change = { applier: ID, action: 'create', target, summary: `run once for this instance${where} (timeout ${timeoutMs / 1000} s)`, data: { unit, dir } };
        if (dir === null) change.skipped = 'no state dir';
        else if (!ctx.live) change.skipped = 'not live';
        changes.push(change);
      }
      return changes;
    },
    async apply(change, ctx) {
      const { unit, dir } = change.data as { unit: Unit; dir: string };
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // Prepared before it counts as started: a root it cannot be copied into leaves it to run next time.
      const { argv, inRoot } = await commandOf(unit, dir, ctx.root);
      const started: ScriptStatus = { name: unit.name, sha256: unit.sha256, state: 'started', started_at: now().toISOString() };
      const statusFile = `${unit.name}.status.json`;
      await writeFileAtomic(dir, statusFile, `${JSON.stringify(started, null, 2)}\n`, { mode: 0o600 });
      const logPath = join(dir, `${unit.name}.log`);
      const result = await run(argv, { logPath, timeoutMs });
      const finished: ScriptStatus = {
        ...started,
        state: 'finished',
        finished_at: now().toISOString(),
        exit_code: result.code,
        signal: result.signal,
        timed_out: result.timedOut,
        ...(result.startError === undefined ? {} : { start_error: result.startError }),
      };
      await writeFileAtomic(dir, statusFile, `${JSON.stringify(finished, null, 2)}\n`, { mode: 0o600 });
      if (inRoot !== null) await removeFileUnder(ctx.root, inRoot);
      let why: string | null = null;
      if (result.startError !== undefined) why = `could not start: ${result.startError}`;
      else if (result.timedOut) why = `timed out after ${timeoutMs / 1000} s and was killed`;
      else if (result.code !== 0) why = result.code === null ? `killed by ${result.signal ?? 'a signal'}` : `exit status ${result.code}`;
      if (why !== null) throw new MdctlError('ERR_EXEC', `${why} (output in ${quote(logPath, 300)})`);
    },
  };
}

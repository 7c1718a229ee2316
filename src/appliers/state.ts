// Per-instance state in the state dir: what each applier remembered (what mdctl added), and the run lock.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import { writeFileAtomic } from '../system/files.js';
import { acquireLock, type Release } from '../system/lock.js';

export const STATE_SCHEMA = 1;

export interface InstanceState {
  schema: typeof STATE_SCHEMA;
  instance_id: string;
  updated_at: string;
  /** Applier id -> what its remember() returned. */
  appliers: Record<string, unknown>;
}

/** The state file name of an instance: its id when that is a plain name, else a hash of it. */
export function stateFileName(instanceId: string): string {
  const plain = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(instanceId);
  return `${plain ? instanceId : createHash('sha256').update(instanceId).digest('hex')}.json`;
}

export function statePath(stateDir: string, instanceId: string): string {
  return join(stateDir, 'instances', stateFileName(instanceId));
}

export interface LoadedState {
  appliers: Record<string, unknown>;
  /** Set when a state file exists but cannot be used; the run then starts from nothing. */
  warning?: string;
}

/** What the appliers remembered for this instance; empty when there is no state yet. */
export async function readState(stateDir: string, instanceId: string): Promise<LoadedState> {
  const path = statePath(stateDir, instanceId);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { appliers: {} };
    throw new MdctlError('ERR_IO', `cannot read state ${quote(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
  let state: Partial<InstanceState> | null = null;
  try {
    state = JSON.parse(text) as Partial<InstanceState>;
  } catch {
    state = null;
  }
  if (state?.schema !== STATE_SCHEMA || state.instance_id !== instanceId || typeof state.appliers !== 'object' || state.appliers === null) {
    return { appliers: {}, warning: `state ${quote(path)} is unreadable; starting over (routes added earlier are no longer known)` };
  }
  return { appliers: state.appliers };
}

export async function writeState(stateDir: string, instanceId: string, appliers: Record<string, unknown>, now = new Date()): Promise<void> {
  await mkdir(join(stateDir, 'instances'), { recursive: true, mode: 0o755 });
  const state: InstanceState = { schema: STATE_SCHEMA, instance_id: instanceId, updated_at: now.toISOString(), appliers };
  await writeFileAtomic(stateDir, `instances/${stateFileName(instanceId)}`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
}

/** Takes the state dir's lock (creating the dir), waiting up to waitMs for another run to finish. */
export async function lockStateDir(stateDir: string, waitMs: number): Promise<Release> {
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new MdctlError('ERR_IO', `cannot create state dir ${quote(stateDir)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
  return acquireLock(join(stateDir, 'lock'), { waitMs });
}

/** What one applier remembered in every readable instance state of the state dir (machine-wide facts outlive an instance). */
export async function rememberedByEveryInstance(stateDir: string, applierId: string): Promise<unknown[]> {
  const names = await readdir(join(stateDir, 'instances')).catch(() => [] as string[]);
  const found: unknown[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.json')).sort()) {
    try {
      const state = JSON.parse(await readFile(join(stateDir, 'instances', name), 'utf8')) as Partial<InstanceState>;
      const value = state.schema === STATE_SCHEMA && typeof state.appliers === 'object' && state.appliers !== null ? state.appliers[applierId] : undefined;
      if (value !== undefined) found.push(value);
    } catch {
      continue;
    }
  }
  return found;
}

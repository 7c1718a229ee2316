// The host-keys applier: on an instance's first boot the image's SSH host keys give way to new ones; later boots keep them.
import { access } from 'node:fs/promises';
import { posix } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { DEFAULT_HOST_KEYS, type HostKeysConfig, type HostKeyType } from '../config/config.js';
import { resolveUnder } from '../system/files.js';
import { findProgram } from '../system/which.js';
import { PRIVATE_KEY, SSH_DIR, generateKey, listKeyFiles, readHostKeys, removeKeyFile, writeConsole } from './host-key-files.js';
import { readUnclaimed, removeUnclaimed, unclaimedPath } from './host-key-unclaimed.js';
import { statePath } from './state.js';
import type { Applier, ApplyContext, Change, ProgressResult } from './types.js';

const ID = 'host-keys';

export interface HostKeysOptions {
  config?: HostKeysConfig;
  /** Where keys generated without metadata are recorded until an instance adopts them. */
  stateDir?: string;
}

/** Where the blocks are written when live. */
export const CONSOLE = '/dev/console';

/** What plan() hands apply(). */
export type HostKeyStep =
  | { kind: 'remove'; name: string }
  | { kind: 'generate'; type: HostKeyType; keygen: string }
  | { kind: 'adopt'; stateDir: string }
  | { kind: 'console'; device: string };

/**
 * What the applier remembers for the instance: that its keys are its own, and since when; or
 * "pending" when its first boot could not finish them (the next run tries again).
 */
interface Remembered {
  since: string;
  how: 'generated' | 'kept' | 'adopted' | 'pending';
}

const NO_KEYGEN = 'ssh-keygen is not installed: no host keys generated, the present ones are left as they are';
const KEYGEN_HINT = 'install openssh-client (Debian, Ubuntu) or openssh (Fedora, RHEL)';

/** The running system's ssh-keygen (on PATH); ERR_EXEC naming the reason when there is none. */
export async function findKeygen(): Promise<string> {
  const keygen = await findProgram('ssh-keygen');
  if (keygen === null) throw new MdctlError('ERR_EXEC', NO_KEYGEN, { hint: KEYGEN_HINT });
  return keygen;
}

/** Whether the state dir has a record of the instance (written by an mdctl that did not manage host keys yet, or that skipped them). */
async function knownInstance(stateDir: string | undefined, instanceId: string): Promise<boolean> {
  if (stateDir === undefined) return false;
  return access(statePath(stateDir, instanceId)).then(
    () => true,
    () => false,
  );
}

/**
 * The generations, removals and console write that give the root new host keys. New keys are
 * renamed over the old ones of their type first, and only then are the other image files
 * removed: sshd has keys at every moment, even when ssh-keygen fails half way.
 */
function regenerationSteps(root: string, files: readonly string[], types: readonly HostKeyType[], keygen: string, live: boolean): Change[] {
  const dir = resolveUnder(root, SSH_DIR);
  const changes: Change[] = types.map((type) => ({
    applier: ID,
    action: files.includes(`ssh_host_${type}_key`) ? 'update' : 'create',
    target: posix.join(dir, `ssh_host_${type}_key`),
    summary: `generate a new ${type} host key (and .pub) with ${keygen}`,
    data: { kind: 'generate', type, keygen } satisfies HostKeyStep,
  }));
  const replaced = new Set(types.flatMap((type) => [`ssh_host_${type}_key`, `ssh_host_${type}_key.pub`]));
  for (const name of files.filter((file) => !replaced.has(file))) {
    changes.push({
      applier: ID,
      action: 'delete',
      target: posix.join(dir, name),
      summary: "remove the image's host key file",
      data: { kind: 'remove', name } satisfies HostKeyStep,
    });
  }
  changes.push(consoleChange(CONSOLE, live));
  return changes;
}

function consoleChange(device: string, live: boolean): Change {
  return {
    applier: ID,
    action: 'create',
    target: device,
    summary: 'print the host key fingerprints and public keys',
    data: { kind: 'console', device } satisfies HostKeyStep,
    ...(live ? {} : { skipped: 'not live' }),
  };
}

function count(n: number): string {
  return n === 1 ? '1 host key' : `${n} host keys`;
}

/** Keys generated at a boot without metadata, still on disk unchanged: this instance adopts them. */
async function adoptable(root: string, stateDir: string | undefined): Promise<boolean> {
  if (stateDir === undefined) return false;
  const unclaimed = await readUnclaimed(stateDir);
  if (unclaimed === null) return false;
  const current = (await readHostKeys(root)).map((key) => key.fingerprint).sort();
  return current.length > 0 && JSON.stringify(current) === JSON.stringify([...unclaimed].sort());
}

/** What a state file says for this applier, when it has the shape this applier writes (else nothing: a first boot). */
function rememberedBefore(value: unknown): Remembered | undefined {
  const record = value as Partial<Remembered> | null | undefined;
  const hows: readonly unknown[] = ['generated', 'kept', 'adopted', 'pending'];
  return typeof record === 'object' && record !== null && typeof record.since === 'string' && hows.includes(record.how) ? (record as Remembered) : undefined;
}

function kept(dir: string, summary: string, how: Remembered['how']): Change[] {
  return [{ applier: ID, action: 'noop', target: dir, summary, data: { how } }];
}

/** The plan; `run.pending` is set when the keys cannot be made (no ssh-keygen), so the next run tries again. */
async function plan(options: HostKeysOptions, doc: Instance, ctx: ApplyContext, run: { pending: boolean }): Promise<Change[]> {
  const config = options.config ?? DEFAULT_HOST_KEYS;
  const dir = resolveUnder(ctx.root, SSH_DIR);
  const files = await listKeyFiles(ctx.root);
  // No /etc/ssh under the root: no sshd to serve, nothing to do.
  if (files === null) return [];
  const privateKeys = files.filter((name) => PRIVATE_KEY.test(name)).length;
  const previous = rememberedBefore(ctx.previous);
  const settled = previous !== undefined && previous.how !== 'pending';
  if (privateKeys > 0) {
    if (settled) return kept(dir, `kept: ${count(privateKeys)} of this instance (${previous.how} ${previous.since})`, previous.how);
    if (previous === undefined && (await knownInstance(options.stateDir, doc.instance_id))) {
      return kept(dir, `kept: ${count(privateKeys)} (this instance booted before mdctl managed its host keys)`, 'kept');
    }
    if (!config.regenerate) return kept(dir, `kept: the image's ${count(privateKeys)} (host_keys.regenerate is false)`, 'kept');
  }
  if (!settled && options.stateDir !== undefined && (await adoptable(ctx.root, options.stateDir))) {
    return [
      {
        applier: ID,
        action: 'update',
        target: unclaimedPath(options.stateDir),
        summary: `adopt the ${count(privateKeys)} generated while no metadata could be read (not generated again)`,
        data: { kind: 'adopt', stateDir: options.stateDir } satisfies HostKeyStep,
      },
      consoleChange(CONSOLE, ctx.live),
    ];
  }
  const keygen = await findProgram('ssh-keygen');
  if (keygen === null) {
    run.pending = true;
    ctx.refuse(`${NO_KEYGEN} (${KEYGEN_HINT})`);
    return [];
  }
  return regenerationSteps(ctx.root, files, config.types, keygen, ctx.live);
}

/** Carries out one step under the root. */
async function applyStep(step: HostKeyStep, root: string, warn: (message: string) => void): Promise<void> {
  switch (step.kind) {
    case 'remove':
      return removeKeyFile(root, step.name);
    case 'generate':
      return generateKey(root, step.type, step.keygen);
    case 'adopt':
      return removeUnclaimed(step.stateDir);
    case 'console':
      if (!(await writeConsole(step.device, root))) warn(`cannot write to ${quote(step.device)}: the host key blocks are only in mdctl's output`);
  }
}

/** What to remember: how the instance's keys came to be once they are in place; "pending" when they could not be made. */
function remembered(results: readonly ProgressResult[], previous: Remembered | undefined, pending: boolean): Remembered | undefined {
  const since = new Date().toISOString();
  if (pending || results.some((result) => result.status === 'failed')) return { since, how: 'pending' };
  const noop = results.find((result) => result.change.action === 'noop')?.change.data as { how?: Remembered['how'] } | undefined;
  if (noop?.how !== undefined) return previous !== undefined && previous.how !== 'pending' ? previous : { since, how: noop.how };
  const steps = results.flatMap((result) => {
    const step = result.change.data as Partial<HostKeyStep> | undefined;
    return result.status === 'applied' && step?.kind !== undefined ? [step as HostKeyStep] : [];
  });
  if (!steps.some((step) => step.kind === 'generate' || step.kind === 'adopt')) return undefined;
  return { since, how: steps.some((step) => step.kind === 'adopt') ? 'adopted' : 'generated' };
}

export function hostKeysApplier(options: HostKeysOptions = {}): Applier {
  const run = { pending: false };
  return {
    id: ID,
    description: "replaces the image's SSH host keys with new ones on an instance's first boot and prints their fingerprints",
    plan(doc: Instance, ctx: ApplyContext) {
      run.pending = false;
      return plan(options, doc, ctx, run);
    },
    async apply(change, ctx) {
      const step = change.data as HostKeyStep | undefined;
      if (step === undefined || typeof step.kind !== 'string') throw new MdctlError('ERR_FAILED', `cannot apply ${quote(change.target)}: not planned by this applier`);
      await applyStep(step, ctx.root, (message) => ctx.warn(message));
    },
    remember: (results, ctx) => remembered(results, rememberedBefore(ctx.previous), run.pending),
  };
}

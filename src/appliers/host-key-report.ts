// The host keys after a run, for mdctl's output; and the keys a boot makes when no metadata can be read, so sshd can start.
import { DEFAULT_HOST_KEYS, type HostKeysConfig } from '../config/config.js';
import { consoleBlocks } from '../model/hostkeys.js';
import { PRIVATE_KEY, generateKey, listKeyFiles, readHostKeys, removeKeyFile, writeConsole, type PublishedKey } from './host-key-files.js';
import { CONSOLE, findKeygen, type HostKeyStep } from './host-keys.js';
import { writeUnclaimed } from './host-key-unclaimed.js';
import type { ApplierRun } from './runner.js';

export interface HostKeysOutcome {
  /** Whether this run made the keys the instance's (generated or adopted): then the blocks are published. */
  published: boolean;
  keys: PublishedKey[];
  /** cloud-init's console blocks of fingerprints and public keys. */
  blocks: string;
}

/** The root's host keys after a run of the host-keys applier; null when it did not run or there are none. */
export async function hostKeysOutcome(runs: readonly ApplierRun[]): Promise<HostKeysOutcome | null> {
  const run = runs.find((candidate) => candidate.applier.id === 'host-keys' && candidate.planned);
  if (run === undefined) return null;
  const keys = await readHostKeys(run.ctx.root).catch(() => []);
  if (keys.length === 0) return null;
  const published = run.results.some((result) => {
    const kind = (result.change.data as Partial<HostKeyStep> | undefined)?.kind;
    return result.status === 'applied' && (kind === 'generate' || kind === 'adopt');
  });
  return { published, keys, blocks: consoleBlocks(keys) };
}

/** The JSON the report carries: each key's file, type, bits and fingerprint (public data only). */
export function hostKeysJson(outcome: HostKeysOutcome): unknown {
  return {
    published: outcome.published,
    fingerprints: outcome.keys.map(({ file, type, bits, fingerprint }) => ({ file, type, bits, fingerprint })),
  };
}

interface UnreachableBoot {
  root: string;
  live: boolean;
  stateDir: string;
  config?: HostKeysConfig;
}

/**
 * When a boot reads no metadata and the image has no private host key, generates the configured
 * types all the same (sshd must not start without keys) and records them in the state dir, so
 * the first boot that reads an instance id adopts them. Null when nothing was needed.
 */
export async function keysWithoutMetadata(boot: UnreachableBoot): Promise<HostKeysOutcome | null> {
  const files = await listKeyFiles(boot.root);
  if (files === null || files.some((name) => PRIVATE_KEY.test(name))) return null;
  const keygen = await findKeygen();
  for (const name of files) await removeKeyFile(boot.root, name);
  for (const type of (boot.config ?? DEFAULT_HOST_KEYS).types) await generateKey(boot.root, type, keygen);
  const keys = await readHostKeys(boot.root);
  await writeUnclaimed(boot.stateDir, keys.map((key) => key.fingerprint));
  if (boot.live) await writeConsole(CONSOLE, boot.root);
  return { published: true, keys, blocks: consoleBlocks(keys) };
}

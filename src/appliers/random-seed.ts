// The random-seed applier: meta_data's random_seed (512 random bytes from Nova) into the kernel's pool, once per instance, live only.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { MdctlError, quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import type { Applier, ApplyContext, Change, ProgressResult } from './types.js';

const ID = 'random-seed';

interface RandomSeedOptions {
  /** Where the bytes go (default /dev/urandom; a test names a stand-in). */
  device?: string;
}

/** The seed's bytes: meta_data random_seed, base64; null when there is none; ERR_INVALID_VALUE when it is not base64. */
function seedBytes(doc: Instance): Buffer | null {
  const text = doc.random_seed ?? null;
  if (text === null || text === '') return null;
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new MdctlError('ERR_INVALID_VALUE', 'meta_data random_seed is not base64; not used');
  }
  return Buffer.from(compact, 'base64');
}

/** Writes bytes to an existing device or file (never created, never truncated). */
async function feed(device: string, bytes: Buffer): Promise<void> {
  const handle = await open(device, constants.O_WRONLY | constants.O_NOCTTY).catch((error: NodeJS.ErrnoException) => {
    throw new MdctlError('ERR_IO', `cannot open ${quote(device)}: ${error.code ?? 'error'}`, { cause: error });
  });
  try {
    await handle.write(bytes);
  } finally {
    await handle.close();
  }
}

export function randomSeedApplier(options: RandomSeedOptions = {}): Applier {
  const device = options.device ?? '/dev/urandom';
  return {
    id: ID,
    description: "writes meta_data's random_seed to /dev/urandom on an instance's first boot (live systems only)",
    async plan(doc: Instance, ctx: ApplyContext): Promise<Change[]> {
      const bytes = seedBytes(doc);
      // Nothing to do without a seed, or once this instance's seed is in the pool.
      if (bytes === null || ctx.previous !== undefined) return [];
      const change: Change = { applier: ID, action: 'update', target: device, summary: `add the ${bytes.length} bytes of random_seed to the pool`, data: { seed: bytes.toString('base64') } };
      if (!ctx.live) change.skipped = 'not live';
      return [change];
    },
    async apply(change) {
      const seed = (change.data as { seed?: unknown } | undefined)?.seed;
      if (typeof seed !== 'string') throw new MdctlError('ERR_FAILED', `cannot apply ${quote(change.target)}: not planned by this applier`);
      await feed(device, Buffer.from(seed, 'base64'));
    },
    remember(results: ProgressResult[]) {
      return results.some((result) => result.status === 'applied') ? { seeded_at: new Date().toISOString() } : undefined;
    },
  };
}

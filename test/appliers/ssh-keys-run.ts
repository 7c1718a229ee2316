// Test helper: the ssh-keys applier planned and applied on a temp root, with key entries made from lines.
import { applyPlanned, planAppliers, type ApplierRun } from '../../src/appliers/runner.js';
import { sshKeysApplier } from '../../src/appliers/ssh-keys.js';
import type { PublicKey } from '../../src/core/instance.js';
import { doc } from './root.js';

/** One key entry per line, named key0, key1, ... */
export function keys(...lines: string[]): PublicKey[] {
  return lines.map((data, index) => ({ name: `key${index}`, type: 'ssh', data }));
}

/** Plans and applies the ssh-keys applier alone, not live, for `user` (or the default choice). */
export async function run(root: string, publicKeys: PublicKey[], user?: string): Promise<ApplierRun> {
  const [result] = await planAppliers([sshKeysApplier()], doc({ public_keys: publicKeys }), { root, live: false, dryRun: false, user }, {});
  await applyPlanned([result!]);
  return result!;
}

// doctor's config hop: the config file every command that reads it would refuse is a failed hop, not a healthy report.
import { isMdctlError } from '../core/errors.js';
import type { MdctlConfig } from '../config/config.js';
import { fail, pass, type Hop } from './types.js';

/** Reads the config as fetch, apply and boot do; a refusal (missing file named on purpose, bad YAML, unknown key) fails the hop. */
export async function configHop(path: string, load: (path: string) => Promise<MdctlConfig>): Promise<Hop> {
  try {
    const config = await load(path);
    return pass('config', config.path === null ? `no ${path}: the defaults apply` : `${path} read`);
  } catch (error) {
    if (!isMdctlError(error)) throw error;
    return fail('config', 'config', error.hint === undefined ? error.message : `${error.message} (${error.hint})`);
  }
}

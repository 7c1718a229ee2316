// The config check of `mdctl validate`: the image's config file parses, its user exists, its plugins load, only/skip name real appliers.
import { quote } from '../core/errors.js';
import type { MdctlConfig } from '../config/config.js';
import { fail, pass, warn, type CheckResult } from './types.js';

export interface PluginFact {
  /** As named in the config file. */
  name: string;
  /** The applier id when it loaded. */
  id?: string;
  /** Why it did not load. */
  error?: string;
  /** Why it could not be checked from outside the image (a package name on a root other than /). */
  unchecked?: string;
}

export type ConfigFacts =
  | { state: 'absent'; path: string }
  | { state: 'invalid'; path: string; error: string }
  | { state: 'ok'; path: string; config: MdctlConfig; plugins: PluginFact[]; users: string[]; builtinIds: readonly string[] };

export function checkConfig(facts: ConfigFacts): CheckResult {
  if (facts.state === 'absent') return pass('config', `no ${facts.path}: the defaults apply`);
  if (facts.state === 'invalid') return fail('config', facts.error);
  const { config, plugins } = facts;
  const problems: string[] = [];
  if (config.user !== undefined && !facts.users.includes(config.user)) {
    problems.push(`user ${quote(config.user)} is not in the image's /etc/passwd`);
  }
  for (const plugin of plugins) if (plugin.error !== undefined) problems.push(plugin.error);
  const ids = [...facts.builtinIds, ...plugins.flatMap((plugin) => (plugin.id === undefined ? [] : [plugin.id]))];
  const unchecked = plugins.filter((plugin) => plugin.unchecked !== undefined);
  for (const key of ['only', 'skip'] as const) {
    for (const id of config[key] ?? []) {
      if (!ids.includes(id) && unchecked.length === 0) problems.push(`${key}: ${quote(id)} is not an applier (known: ${ids.join(', ')})`);
    }
  }
  if (problems.length > 0) return fail('config', `${facts.path}: ${problems.join('; ')}`);
  const loaded = plugins.filter((plugin) => plugin.id !== undefined).map((plugin) => `${quote(plugin.name)} (${plugin.id as string})`);
  const summary = [`${facts.path} parses`, ...(config.user === undefined ? [] : [`user ${quote(config.user)}`])];
  if (loaded.length > 0) summary.push(`plugins load: ${loaded.join(', ')}`);
  if (unchecked.length > 0) return warn('config', `${summary.join('; ')}; ${unchecked.map((plugin) => plugin.unchecked).join('; ')}`);
  return pass('config', summary.join('; '));
}

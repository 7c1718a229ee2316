// The config file (/etc/mdctl/config.yaml): key user, applier selection, plugin modules, boot deadline, host keys; strict keys and types.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import { DEFAULT_CONFIG, timeoutProblem } from '../core/defaults.js';

export interface MdctlConfig {
  /** The file read, or null when the default file is absent. */
  path: string | null;
  /** The SSH key user. */
  user?: string;
  /** Plugin modules, paths resolved against the config file's directory. */
  appliers: { name: string; baseDir: string }[];
  /** Applier ids to run (all when absent). */
  only?: string[];
  /** Applier ids not to run. */
  skip?: string[];
  /** `mdctl boot`'s deadline in seconds. */
  boot_timeout?: number;
  /** SSH host keys: the types generated for each instance, and whether the image's keys are replaced. */
  host_keys?: HostKeysConfig;
}

export const HOST_KEY_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;
export type HostKeyType = (typeof HOST_KEY_TYPES)[number];

export interface HostKeysConfig {
  types: HostKeyType[];
  /** false: the image's host keys are kept (new ones only when it has none). */
  regenerate: boolean;
}

export const DEFAULT_HOST_KEYS: HostKeysConfig = { types: [...HOST_KEY_TYPES], regenerate: true };

export const CONFIG_KEYS = ['user', 'appliers', 'only', 'skip', 'boot_timeout', 'host_keys'] as const;

function refuse(path: string, key: string, why: string): MdctlError {
  return new MdctlError('ERR_CONFIG', `config ${quote(path)}: ${quote(key)} ${why}`, { hint: `keys: ${CONFIG_KEYS.join(', ')}` });
}

function stringList(path: string, key: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.trim() !== '')) {
    throw refuse(path, key, 'must be a list of non-empty strings');
  }
  return value.map((item: string) => item.trim());
}

/** host_keys: {types: [...], regenerate: true|false}, both optional, nothing else. */
function hostKeys(path: string, value: unknown): HostKeysConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse(path, 'host_keys', 'must be a mapping with types and regenerate');
  const config: HostKeysConfig = { ...DEFAULT_HOST_KEYS };
  for (const [key, item] of Object.entries(value)) {
    if (key === 'regenerate') {
      if (typeof item !== 'boolean') throw refuse(path, 'host_keys.regenerate', 'must be true or false');
      config.regenerate = item;
    } else if (key === 'types') {
      const types = stringList(path, 'host_keys.types', item);
      const bad = types.find((type) => !(HOST_KEY_TYPES as readonly string[]).includes(type));
      if (bad !== undefined || types.length === 0) throw refuse(path, 'host_keys.types', `must list key types among ${HOST_KEY_TYPES.join(', ')}`);
      config.types = [...new Set(types as HostKeyType[])];
    } else {
      throw refuse(path, `host_keys.${key}`, 'is not a known key (types, regenerate)');
    }
  }
  return config;
}

/** Checks parsed YAML against the config keys; refuses unknown keys and wrong types by name. */
export function parseConfig(value: unknown, path: string): MdctlConfig {
  const config: MdctlConfig = { path, appliers: [] };
  if (value === null || value === undefined) return config;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MdctlError('ERR_CONFIG', `config ${quote(path)}: must be a mapping of keys to values`);
  }
  for (const [key, item] of Object.entries(value)) {
    switch (key) {
      case 'user':
        if (typeof item !== 'string' || !/^[a-z_][a-z0-9_.-]*\$?$/i.test(item)) throw refuse(path, key, 'must be a user name');
        config.user = item;
        break;
      case 'appliers':
        config.appliers = stringList(path, key, item).map((name) => ({ name, baseDir: dirname(resolve(path)) }));
        break;
      case 'only':
        config.only = stringList(path, key, item);
        break;
      case 'skip':
        config.skip = stringList(path, key, item);
        break;
      case 'boot_timeout':
        if (typeof item !== 'number' || timeoutProblem(item) !== null) throw refuse(path, key, timeoutProblem(Number.NaN) ?? '');
        config.boot_timeout = item;
        break;
      case 'host_keys':
        config.host_keys = hostKeys(path, item);
        break;
      default:
        throw refuse(path, key, 'is not a known key');
    }
  }
  return config;
}

/**
 * Reads the config file. A missing file is fine when it is the default path (no config); a
 * missing file named on purpose, bad YAML, unknown keys and wrong types are ERR_CONFIG (exit 2).
 */
export async function loadConfig(path: string, required = path !== DEFAULT_CONFIG): Promise<MdctlConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return { path: null, appliers: [] };
    throw new MdctlError('ERR_CONFIG', `config ${quote(path)}: cannot read: ${code ?? 'error'}`, { cause: error });
  }
  const { load, CORE_SCHEMA } = await import('js-yaml');
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA, filename: path });
  } catch (error) {
    const why = (error as Error).message.split('\n')[0] ?? 'invalid YAML';
    throw new MdctlError('ERR_CONFIG', `config ${quote(path)}: not valid YAML: ${quote(why, 160)}`, { cause: error });
  }
  return parseConfig(value, path);
}

// The config file (/etc/mdctl/config.yaml): key user, applier selection, plugin modules, boot deadline, config drive file systems, network renderer, host keys; strict keys and types.
import { dirname, resolve } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import { DEFAULT_CONFIG, timeoutProblem } from '../core/defaults.js';
import { expandsBeyond, expansionLimit } from '../core/expanded.js';
import { InputFileError, readInputFile } from '../system/input-file.js';

/** The largest config file read; a FIFO or a device (/dev/zero) is refused before it is read. */
const MAX_CONFIG_BYTES = 1024 * 1024;

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
  /** The file systems a config drive may be mounted with (iso9660 and vfat when absent). */
  config_drive?: { filesystems: string[] };
  /** The network applier's settings. */
  network?: NetworkConfig;
  /** SSH host keys: the types generated for each instance, and whether the image's keys are replaced. */
  host_keys?: HostKeysConfig;
}

export const NETWORK_RENDERERS = ['auto', 'networkd', 'networkmanager', 'none'] as const;

interface NetworkConfig {
  /** Which network manager the network applier renders for; auto: the one the image enables. */
  renderer: (typeof NETWORK_RENDERERS)[number];
}

const HOST_KEY_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;
export type HostKeyType = (typeof HOST_KEY_TYPES)[number];

export interface HostKeysConfig {
  types: HostKeyType[];
  /** false: the image's host keys are kept (new ones only when it has none). */
  regenerate: boolean;
}

export const DEFAULT_HOST_KEYS: HostKeysConfig = { types: [...HOST_KEY_TYPES], regenerate: true };

export const CONFIG_KEYS = ['user', 'appliers', 'only', 'skip', 'boot_timeout', 'config_drive', 'network', 'host_keys'] as const;

function refuse(path: string, key: string, why: string): MdctlError {
  return new MdctlError('ERR_CONFIG', `config ${quote(path)}: ${quote(key)} ${why}`, { hint: `keys: ${CONFIG_KEYS.join(', ')}` });
}

function stringList(path: string, key: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.trim() !== '')) {
    throw refuse(path, key, 'must be a list of non-empty strings');
  }
  return value.map((item: string) => item.trim());
}

/** `config_drive: {filesystems: [iso9660, vfat, ...]}`: a mapping with that one key, a list of file system type names. */
function configDrive(path: string, value: unknown): { filesystems: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse(path, 'config_drive', 'must be a mapping with the key filesystems');
  const entries = Object.entries(value);
  const unknown = entries.find(([key]) => key !== 'filesystems');
  if (unknown !== undefined) throw refuse(path, `config_drive.${unknown[0]}`, 'is not a known key (config_drive has filesystems)');
  const filesystems = stringList(path, 'config_drive.filesystems', (value as { filesystems?: unknown }).filesystems);
  const bad = filesystems.find((type) => !/^[a-z0-9_.]+$/.test(type));
  if (bad !== undefined) throw refuse(path, 'config_drive.filesystems', `holds ${quote(bad)}, not a file system type name`);
  return { filesystems };
}

/** `network: {renderer: auto|networkd|networkmanager|none}`; unknown keys and values are refused by name. */
function networkConfig(path: string, value: unknown): NetworkConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse(path, 'network', 'must be a mapping (renderer)');
  const network: NetworkConfig = { renderer: 'auto' };
  for (const [key, item] of Object.entries(value)) {
    if (key !== 'renderer') throw refuse(path, `network.${key}`, 'is not a known key (network keys: renderer)');
    if (!(NETWORK_RENDERERS as readonly unknown[]).includes(item)) throw refuse(path, 'network.renderer', `must be one of ${NETWORK_RENDERERS.join(', ')}`);
    network.renderer = item as NetworkConfig['renderer'];
  }
  return network;
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
      case 'config_drive':
        config.config_drive = configDrive(path, item);
        break;
      case 'network':
        config.network = networkConfig(path, item);
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

/** A config file that cannot be read, and what to do about it. */
function unreadable(path: string, code: string | undefined, cause: unknown): MdctlError {
  if (code === 'ENOENT') {
    return new MdctlError('ERR_CONFIG', `config ${quote(path)}: no such file`, {
      cause,
      hint: `--config and MDCTL_CONFIG must name a file that exists; without them mdctl reads ${DEFAULT_CONFIG} if there is one`,
    });
  }
  const hint = code === 'EACCES' ? 'run as root, or name a file you can read with --config' : undefined;
  return new MdctlError('ERR_CONFIG', `config ${quote(path)}: cannot read: ${code ?? 'error'}`, { cause, ...(hint === undefined ? {} : { hint }) });
}

/** js-yaml's reason and position, without the file name it repeats. */
function yamlProblem(error: unknown): string {
  const { reason, mark } = error as { reason?: unknown; mark?: { line?: unknown; column?: unknown } };
  if (typeof reason !== 'string') return quote((error as Error).message.split('\n')[0] ?? 'invalid YAML', 160);
  const at = typeof mark?.line === 'number' && typeof mark.column === 'number' ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
  return `${quote(reason, 160).slice(1, -1)}${at}`;
}

/**
 * Reads the config file. A missing file is fine when it is the default path (no config); a
 * missing file named on purpose, bad YAML, unknown keys and wrong types are ERR_CONFIG (exit 2).
 */
export async function loadConfig(path: string, required = path !== DEFAULT_CONFIG): Promise<MdctlConfig> {
  let text: string;
  try {
    text = (await readInputFile(path, MAX_CONFIG_BYTES)).toString('utf8');
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    if (error.errno === 'ENOENT' && !required) return { path: null, appliers: [] };
    if (error.errno === undefined) throw new MdctlError('ERR_CONFIG', `config ${quote(path)}: cannot read: ${error.reason}`, { cause: error });
    throw unreadable(path, error.errno, error);
  }
  const { load, CORE_SCHEMA } = await import('js-yaml');
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA, filename: path });
  } catch (error) {
    throw new MdctlError('ERR_CONFIG', `config ${quote(path)}: not valid YAML: ${yamlProblem(error)}`, { cause: error, hint: 'the file is a YAML mapping, e.g. "user: alice"; see CONFIGURATION in man mdctl' });
  }
  if (expandsBeyond(value, expansionLimit(text.length))) throw new MdctlError('ERR_CONFIG', `config ${quote(path)}: its aliases expand to far more than the file holds`);
  return parseConfig(value, path);
}

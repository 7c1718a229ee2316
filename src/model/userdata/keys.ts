// The supported cloud-config keys, read and checked: hostname/fqdn/preserve_hostname, ssh_authorized_keys, write_files, runcmd.
import { quote } from '../../core/errors.js';
import type { CloudConfig } from './cloud-config.js';
import { gunzipBounded, type InflateBudget } from './gzip.js';
import { MAX_INFLATED_BYTES } from './types.js';

/** A value for a message: strings quoted, anything else as (cut) JSON, always one line. */
function shown(value: unknown): string {
  if (typeof value === 'string') return quote(value, 40);
  const json = value instanceof Uint8Array ? 'binary data' : (JSON.stringify(value) ?? String(value));
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}

const SUPPORTED_KEYS = ['hostname', 'fqdn', 'preserve_hostname', 'ssh_authorized_keys', 'write_files', 'runcmd', 'vendor_data'] as const;

/** Top-level keys mdctl does not act on (reported as ignored). */
export function ignoredKeys(config: CloudConfig): string[] {
  return Object.keys(config).filter((key) => !(SUPPORTED_KEYS as readonly string[]).includes(key));
}

/** What cloud-config says about the hostname; `problems` name keys of the wrong type. */
export interface HostnameSettings {
  /** cloud-config `hostname` as given, or null (see model/hostname.ts chooseHostnames for how it counts). */
  hostname: string | null;
  /** cloud-config `fqdn` as given, or null. */
  fqdn: string | null;
  preserve: boolean;
  problems: string[];
}

export function readHostname(config: CloudConfig): HostnameSettings {
  const problems: string[] = [];
  const text = (key: 'hostname' | 'fqdn'): string | null => {
    const value = config[key];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' && value !== '') return value;
    problems.push(`cloud-config ${key} must be a non-empty string, not ${shown(value)}`);
    return null;
  };
  const hostname = text('hostname');
  const fqdn = text('fqdn');
  const preserveValue = config.preserve_hostname;
  if (preserveValue !== undefined && preserveValue !== null && typeof preserveValue !== 'boolean') {
    problems.push(`cloud-config preserve_hostname must be true or false, not ${shown(preserveValue)}`);
  }
  return { hostname, fqdn, preserve: preserveValue === true, problems };
}

/** ssh_authorized_keys as lines; checking each key is the ssh-keys applier's job. */
export function readAuthorizedKeys(config: CloudConfig): { keys: string[]; problems: string[] } {
  const value = config.ssh_authorized_keys;
  if (value === undefined || value === null) return { keys: [], problems: [] };
  if (!Array.isArray(value)) return { keys: [], problems: ['cloud-config ssh_authorized_keys must be a list of keys'] };
  const keys: string[] = [];
  const problems: string[] = [];
  value.forEach((item: unknown, index) => {
    if (typeof item === 'string') keys.push(item);
    else problems.push(`cloud-config ssh_authorized_keys[${index}] must be a string, not ${shown(item)}`);
  });
  return { keys, problems };
}

export interface WriteFile {
  /** Position in write_files, for messages and the state. */
  index: number;
  path: string;
  content: Buffer;
  /** Permission bits; 0o644 when not given. */
  mode: number;
  /** Names as given ("user", "user:group"); root:root when not given. */
  user: string;
  group: string | null;
  append: boolean;
}

const USER_NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;

/**
 * A write_files mode as cloud-init reads it: `0644`, `0o644`, `'0644'`, `'0o644'` and `'644'`
 * are octal. A bare integer is decimal to cloud-init (`644` becomes 01204): one whose digits
 * could all be octal is refused as ambiguous; 0 to 7 and integers with an 8 or a 9 are decimal.
 */
function permissions(value: unknown): number {
  if (value === undefined || value === null) return 0o644;
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value >= 0 && value <= 7) return value;
    if (/^[0-7]+$/.test(String(value))) {
      throw new Error(`permissions ${value} is ambiguous (cloud-init reads it as decimal, mode 0${value.toString(8)}): write "0${value}" or 0o${value}`);
    }
    if (value > 0 && value <= 0o7777) return value;
  }
  const match = typeof value === 'string' ? /^(?:0o?)?([0-7]{1,4})$/i.exec(value.trim()) : null;
  if (match === null) throw new Error(`permissions ${shown(value)} is not an octal mode such as "0644"`);
  return parseInt(match[1] ?? '', 8);
}

function owner(value: unknown): { user: string; group: string | null } {
  if (value === undefined || value === null) return { user: 'root', group: 'root' };
  if (typeof value !== 'string') throw new Error(`owner ${shown(value)} must be "user" or "user:group"`);
  const [user = '', group, ...rest] = value.split(':');
  if (!USER_NAME.test(user) || rest.length > 0 || (group !== undefined && !USER_NAME.test(group))) {
    throw new Error(`owner ${shown(value)} must be "user" or "user:group"`);
  }
  return { user, group: group ?? null };
}

function rawContent(value: unknown, binaryText: BufferEncoding): Buffer {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, binaryText);
  throw new Error(`content must be a string, not ${shown(value)}`);
}

function base64(data: Buffer): Buffer {
  const compact = data.toString('latin1').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) throw new Error('content is not valid base64');
  return Buffer.from(compact, 'base64');
}

/** The bytes of an entry's content after its encoding; gzip shares the user-data's 16 MiB budget rule. */
function content(entry: Record<string, unknown>, budget: InflateBudget): Buffer {
  const encoding = entry.encoding === undefined || entry.encoding === null ? 'text/plain' : entry.encoding;
  if (typeof encoding !== 'string') throw new Error(`encoding ${shown(encoding)} must be a string`);
  const gunzip = (data: Buffer): Buffer => gunzipBounded(data, budget, `${MAX_INFLATED_BYTES / 1024 / 1024} MiB`);
  switch (encoding.toLowerCase()) {
    case 'text/plain':
      return rawContent(entry.content, 'utf8');
    case 'b64':
    case 'base64':
      return base64(rawContent(entry.content, 'latin1'));
    case 'gz':
    case 'gzip':
      return gunzip(rawContent(entry.content, 'latin1'));
    case 'gz+b64':
    case 'gz+base64':
    case 'gzip+b64':
    case 'gzip+base64':
      return gunzip(base64(rawContent(entry.content, 'latin1')));
    default:
      throw new Error(`encoding ${shown(encoding)} is not one of b64, base64, gz, gzip, gz+b64, gzip+base64, text/plain`);
  }
}

function writeFile(value: unknown, index: number, budget: InflateBudget): WriteFile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a mapping with path and content');
  const entry = value as Record<string, unknown>;
  if (typeof entry.path !== 'string' || entry.path === '') throw new Error('path is required');
  if (!entry.path.startsWith('/')) throw new Error(`path ${quote(entry.path)} must be absolute`);
  if (entry.path.split('/').includes('..')) throw new Error(`path ${quote(entry.path)}: ".." is not allowed`);
  if (entry.path.endsWith('/')) throw new Error(`path ${quote(entry.path)} names a directory`);
  if (entry.append !== undefined && entry.append !== null && typeof entry.append !== 'boolean') throw new Error('append must be true or false');
  const { user, group } = owner(entry.owner);
  return { index, path: entry.path, content: content(entry, budget), mode: permissions(entry.permissions), user, group, append: entry.append === true };
}

/** write_files entries; a bad entry is refused alone ("write_files[N]: why"), the others stay. */
export function readWriteFiles(config: CloudConfig): { files: WriteFile[]; problems: string[] } {
  const value = config.write_files;
  if (value === undefined || value === null) return { files: [], problems: [] };
  if (!Array.isArray(value)) return { files: [], problems: ['cloud-config write_files must be a list'] };
  const budget: InflateBudget = { remaining: MAX_INFLATED_BYTES };
  const files: WriteFile[] = [];
  const problems: string[] = [];
  value.forEach((item: unknown, index) => {
    try {
      files.push(writeFile(item, index, budget));
    } catch (error) {
      problems.push(`write_files[${index}]: ${(error as Error).message}`);
    }
  });
  return { files, problems };
}

/** One runcmd entry: a string runs with /bin/sh -c, a list is the argv itself (numbers become strings). */
type Command = { index: number; shell: string } | { index: number; argv: string[] };

export function readRuncmd(config: CloudConfig): { commands: Command[]; problems: string[] } {
  const value = config.runcmd;
  if (value === undefined || value === null) return { commands: [], problems: [] };
  if (!Array.isArray(value)) return { commands: [], problems: ['cloud-config runcmd must be a list'] };
  const commands: Command[] = [];
  const problems: string[] = [];
  value.forEach((item: unknown, index) => {
    if (typeof item === 'string' && item.trim() !== '') commands.push({ index, shell: item });
    else if (Array.isArray(item) && item.length > 0 && item.every((arg) => typeof arg === 'string' || typeof arg === 'number') && item[0] !== '') {
      commands.push({ index, argv: item.map((arg: string | number) => String(arg)) });
    } else problems.push(`runcmd[${index}] must be a command string or a non-empty list of strings, not ${shown(item)}`);
  });
  return { commands, problems };
}

// The SSH host key files under a root: listing, reading the public keys, removing, generating with ssh-keygen, the console.
import { constants } from 'node:fs';
import { chmod, chown, mkdtemp, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import type { HostKeyType } from '../config/config.js';
import { consoleBlocks, describeHostKey, type HostKey } from '../model/hostkeys.js';
import { exec } from '../system/exec.js';
import { inspectUnder, readFileUnder, resolveUnder } from '../system/files.js';
import { readGroup } from '../system/passwd.js';

export const SSH_DIR = '/etc/ssh';

/** What cloud-init removes: ssh_host_*key* (private and public keys, certificates). */
const KEY_FILE = /^ssh_host_.*key.*$/;
/** A private host key sshd loads: ssh_host_<type>_key. */
export const PRIVATE_KEY = /^ssh_host_[a-z0-9]+_key$/;
/** What cloud-init publishes: ssh_host_*key.pub. */
const PUBLIC_KEY = /^ssh_host_.*key\.pub$/;

/** How long one ssh-keygen may take (RSA on a starved VM is slow). */
const KEYGEN_TIMEOUT_MS = 120_000;

export interface PublishedKey extends HostKey {
  /** The .pub file, under the root. */
  file: string;
}

/** The host key files in <root>/etc/ssh, sorted; null when there is no such directory (no sshd to serve). */
export async function listKeyFiles(root: string): Promise<string[] | null> {
  const stats = await inspectUnder(root, SSH_DIR);
  if (stats === null || !stats.isDirectory()) return null;
  return (await readdir(resolveUnder(root, SSH_DIR))).filter((name) => KEY_FILE.test(name)).sort();
}

/** The public host keys (ssh_host_*key.pub), each described; a file that is not a key is left out. */
export async function readHostKeys(root: string): Promise<PublishedKey[]> {
  const names = ((await listKeyFiles(root)) ?? []).filter((name) => PUBLIC_KEY.test(name));
  const keys: PublishedKey[] = [];
  for (const name of names) {
    const path = `${SSH_DIR}/${name}`;
    const data = await readFileUnder(root, path, 64 * 1024).catch(() => null);
    const line = data?.toString('utf8').split('\n')[0] ?? '';
    try {
      keys.push({ ...describeHostKey(line), file: resolveUnder(root, path) });
    } catch {
      continue;
    }
  }
  return keys;
}

/** Removes one host key file of <root>/etc/ssh (a link is removed, never followed). */
export async function removeKeyFile(root: string, name: string): Promise<void> {
  if (!KEY_FILE.test(name)) throw new MdctlError('ERR_UNSAFE_PATH', `refusing to remove ${quote(name)}: not a host key file`);
  await inspectUnder(root, SSH_DIR);
  const path = join(resolveUnder(root, SSH_DIR), name);
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw new MdctlError('ERR_IO', `cannot remove ${quote(path)}: ${error.code ?? 'error'}`, { cause: error });
  });
}

/** The group of private keys: ssh_keys (mode 0640) where the image has that group, else root (0600). */
async function privateOwner(root: string): Promise<{ mode: number; gid: number }> {
  const group = (await readGroup(root)).find((entry) => entry.name === 'ssh_keys');
  return group === undefined ? { mode: 0o600, gid: 0 } : { mode: 0o640, gid: group.gid };
}

/**
 * Generates <root>/etc/ssh/ssh_host_<type>_key and its .pub with the given ssh-keygen (no shell,
 * no passphrase), in a private directory beside them, then renames both into place with sshd's
 * modes: a key never appears half written, and nothing is written through a link.
 */
export async function generateKey(root: string, type: HostKeyType, keygen: string): Promise<void> {
  const stats = await inspectUnder(root, SSH_DIR);
  if (stats === null || !stats.isDirectory()) throw new MdctlError('ERR_IO', `${quote(resolveUnder(root, SSH_DIR))} is not a directory`);
  const dir = resolveUnder(root, SSH_DIR);
  const name = `ssh_host_${type}_key`;
  const owner = await privateOwner(root);
  const temp = await mkdtemp(join(dir, '.mdctl-keygen-'));
  try {
    const file = join(temp, name);
    await exec([keygen, '-q', '-t', type, '-N', '', '-f', file], { timeoutMs: KEYGEN_TIMEOUT_MS });
    await chown(file, 0, owner.gid);
    await chmod(file, owner.mode);
    await chown(`${file}.pub`, 0, 0);
    await chmod(`${file}.pub`, 0o644);
    await rename(`${file}.pub`, join(dir, `${name}.pub`));
    await rename(file, join(dir, name));
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Writes the console blocks of the root's host keys to a console device; false when it cannot be opened for writing. */
export async function writeConsole(device: string, root: string): Promise<boolean> {
  const blocks = consoleBlocks(await readHostKeys(root));
  if (blocks === '') return true;
  let handle;
  try {
    handle = await open(device, constants.O_WRONLY | constants.O_NOCTTY | constants.O_APPEND);
  } catch {
    return false;
  }
  try {
    await handle.write(blocks);
  } finally {
    await handle.close();
  }
  return true;
}

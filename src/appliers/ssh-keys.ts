// The ssh-keys applier: the metadata's keys in one marked block of the user's authorized_keys.
import { posix } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { checkPublicKeys, parseKeyLine } from '../model/sshkeys.js';
import { inspectUnder, readFileUnder, resolveRootLinks, resolveUnder } from '../system/files.js';
import { isLoginUser, readPasswd, type PasswdEntry } from '../system/passwd.js';
import { applyFileChange, permissions, type FileEffect } from './effects.js';
import { blockKeys, withKeyBlock } from './key-block.js';
import type { Applier, ApplyContext, Change, ChangeResult } from './types.js';

const ID = 'ssh-keys';

/** The largest authorized_keys mdctl edits (sshd reads it line by line; a user could make it huge to exhaust memory at boot). */
const MAX_AUTHORIZED_KEYS_BYTES = 16 * 1024 * 1024;

/** The key user: the named one, else the first login user (uid >= 1000), else root. */
export async function resolveKeyUser(root: string, name: string | undefined): Promise<PasswdEntry> {
  const entries = await readPasswd(root);
  if (name !== undefined) {
    const named = entries.find((entry) => entry.name === name);
    if (named === undefined) throw new MdctlError('ERR_INVALID_VALUE', `user ${quote(name)} not found in ${quote(resolveUnder(root, '/etc/passwd'))}`);
    return named;
  }
  return entries.find(isLoginUser) ?? entries.find((entry) => entry.uid === 0) ?? { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' };
}

/** A short description of a key line for the plan: type, fingerprint, comment. */
function describeKey(line: string): string {
  try {
    const key = parseKeyLine(line);
    return [key.type, key.fingerprint, key.comment].filter((part) => part !== '').join(' ');
  } catch {
    return line.slice(0, 40);
  }
}

function count(keys: number): string {
  return keys === 1 ? '1 managed key' : `${keys} managed keys`;
}

function owned(stats: { mode: number; uid: number; gid: number }, mode: number, user: PasswdEntry): boolean {
  return permissions(stats.mode) === mode && stats.uid === user.uid && stats.gid === user.gid;
}

export function sshKeysApplier(): Applier {
  return {
    id: ID,
    description: "writes the metadata's SSH keys into a marked block of the user's authorized_keys",
    async plan(doc: Instance, ctx: ApplyContext): Promise<Change[]> {
      const { keys, refused } = checkPublicKeys(doc.public_keys);
      for (const bad of refused) ctx.refuse(`${bad.reason} (key entry ${quote(bad.name)}); skipped`);
      const entry = await resolveKeyUser(ctx.root, ctx.user);
      // A root-made link on the way to the home (/home -> var/home) is followed; nothing below it is.
      const user = { ...entry, home: await resolveRootLinks(ctx.root, entry.home) };
      const home = await inspectUnder(ctx.root, user.home);
      if ((home === null || !home.isDirectory()) && keys.length === 0) {
        return [{ applier: ID, action: 'noop', target: resolveUnder(ctx.root, user.home), summary: 'no keys in the metadata; nothing to write' }];
      }
      if (home === null || !home.isDirectory()) {
        throw new MdctlError('ERR_IO', `home directory ${quote(resolveUnder(ctx.root, user.home))} of user ${quote(user.name)} does not exist`);
      }
      const sshDir = posix.join(user.home, '.ssh');
      const file = posix.join(sshDir, 'authorized_keys');
      const target = resolveUnder(ctx.root, file);
      const dirStats = await inspectUnder(ctx.root, sshDir);
      if (dirStats !== null && !dirStats.isDirectory()) throw new MdctlError('ERR_UNSAFE_PATH', `refusing ${quote(resolveUnder(ctx.root, sshDir))}: not a directory`);
      const fileStats = await inspectUnder(ctx.root, file);
      // A second name of another file (a hard link to /etc/shadow) must not have its bytes copied into the user's file.
      const current = await readFileUnder(ctx.root, file, { maxBytes: MAX_AUTHORIZED_KEYS_BYTES, singleLink: true });
      const text = current === null ? '' : current.toString('latin1');
      const lines = keys.map((key) => Buffer.from(key.line, 'utf8').toString('latin1'));
      const before = blockKeys(text, target);
      const next = withKeyBlock(text, lines, target);
      const keyOwner = { mode: 0o600, uid: user.uid, gid: user.gid };
      const dirOwner = { mode: 0o700, uid: user.uid, gid: user.gid };
      const after = keys.map((key) => describeKey(key.line)).join('\n');
      const base = { applier: ID, target, ...(before === null ? {} : { before: before.map(describeKey).join('\n') }), after };

      if (next === text && (current === null || keys.length === 0 || (fileStats !== null && owned(fileStats, 0o600, user)))) {
        const summary = current === null ? 'no keys in the metadata; nothing to write' : `unchanged (${count(keys.length)} for ${quote(user.name)})`;
        return [{ ...base, action: 'noop', summary }];
      }
      const changes: Change[] = [];
      if (dirStats === null) {
        changes.push({
          applier: ID,
          action: 'create',
          target: resolveUnder(ctx.root, sshDir),
          summary: `create with mode 0700, owner ${quote(user.name)}`,
          data: { kind: 'mkdir', path: sshDir, owner: dirOwner } satisfies FileEffect,
        });
      } else if (keys.length > 0 && !owned(dirStats, 0o700, user)) {
        changes.push({
          applier: ID,
          action: 'update',
          target: resolveUnder(ctx.root, sshDir),
          summary: `set mode 0700, owner ${quote(user.name)}`,
          data: { kind: 'own', path: sshDir, owner: dirOwner, directory: true } satisfies FileEffect,
        });
      }
      const summary =
        next === text ? 'set mode 0600 and owner' : keys.length === 0 ? 'remove the managed block (no keys left in the metadata)' : `write ${count(keys.length)} for ${quote(user.name)}`;
      changes.push({
        ...base,
        action: current === null ? 'create' : 'update',
        summary,
        data: { kind: 'write', path: file, content: Buffer.from(next, 'latin1'), owner: keyOwner } satisfies FileEffect,
      });
      return changes;
    },
    async apply(change, ctx) {
      await applyFileChange(ctx.root, change.data, change.target);
    },
    remember(results: ChangeResult[]) {
      const file = results.find((result) => result.change.target.endsWith('/authorized_keys'));
      if (file === undefined || (file.status !== 'applied' && file.status !== 'noop')) return undefined;
      return { file: file.change.target, keys: file.change.after === '' ? [] : (file.change.after ?? '').split('\n') };
    },
  };
}

// The write-files applier: cloud-config write_files under the root, atomic, no symlinks, owner from the root's passwd/group, appends once per instance.
import { createHash } from 'node:crypto';
import { quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { readWriteFiles, type WriteFile } from '../model/userdata/keys.js';
import { inspectUnder, readFileUnder, resolveUnder } from '../system/files.js';
import { readGroup, readPasswd, type GroupEntry, type PasswdEntry } from '../system/passwd.js';
import { usableUserData } from './cloud-config.js';
import { applyFileChange, permissions, type FileEffect } from './effects.js';
import type { Applier, ApplyContext, Change, ProgressResult } from './types.js';

const ID = 'write-files';

/** What the state keeps of each file written (or found already written) for this instance. */
interface WrittenFile {
  path: string;
  sha256: string;
  append: boolean;
  /**
   * Set while an append is being made: the run may be killed before or after the rename, so the
   * next run appends again only when the file's sha256 is not `result`, the one the append gives.
   */
  pending?: true;
  result?: string;
}

function written(previous: unknown): WrittenFile[] {
  const files = (previous as { files?: unknown } | undefined)?.files;
  if (!Array.isArray(files)) return [];
  return files.filter(
    (file): file is WrittenFile =>
      typeof file === 'object' && file !== null && typeof (file as WrittenFile).path === 'string' && typeof (file as WrittenFile).sha256 === 'string',
  );
}

interface Accounts {
  users: PasswdEntry[];
  groups: GroupEntry[];
}

async function accounts(root: string): Promise<Accounts> {
  const users = (await inspectUnder(root, '/etc/passwd')) === null ? [] : await readPasswd(root);
  return { users, groups: await readGroup(root) };
}

/** uid and gid for "user[:group]" from the root's databases; root is 0:0 even without them. A user alone gets its primary group. */
function resolveOwner(file: WriteFile, known: Accounts, where: string): { uid: number; gid: number } {
  const user = known.users.find((entry) => entry.name === file.user) ?? (file.user === 'root' ? { uid: 0, gid: 0 } : undefined);
  if (user === undefined) throw new Error(`user ${quote(file.user)} not found in ${quote(`${where}/etc/passwd`)}`);
  if (file.group === null) return { uid: user.uid, gid: user.gid };
  const group = known.groups.find((entry) => entry.name === file.group) ?? (file.group === 'root' ? { gid: 0 } : undefined);
  if (group === undefined) throw new Error(`group ${quote(file.group)} not found in ${quote(`${where}/etc/group`)}`);
  return { uid: user.uid, gid: group.gid };
}

function digest(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

async function planFile(file: WriteFile, ctx: ApplyContext, known: Accounts, done: WrittenFile[]): Promise<Change> {
  const target = resolveUnder(ctx.root, file.path);
  const stats = await inspectUnder(ctx.root, file.path);
  if (stats !== null && !stats.isFile()) throw new Error(`refusing ${quote(target)}: not a regular file`);
  const { uid, gid } = resolveOwner(file, known, ctx.root === '/' ? '' : ctx.root);
  const sha256 = digest(file.content);
  const record: WrittenFile = { path: file.path, sha256, append: file.append };
  const owner = `${file.user}${file.group === null ? '' : `:${file.group}`}`;
  const base = { applier: ID, target, after: `${file.content.length} bytes, mode ${octal(file.mode)}, owner ${owner}` };
  const earlier = file.append ? done.find((entry) => entry.append && entry.path === file.path && entry.sha256 === sha256) : undefined;
  if (earlier !== undefined && earlier.pending !== true) return { ...base, action: 'noop', summary: 'already appended for this instance', data: { record } };
  // An append copies the current bytes: never those of a hard link to someone else's file.
  const current = await readFileUnder(ctx.root, file.path, { singleLink: file.append });
  if (earlier !== undefined && current !== null && digest(current) === earlier.result) {
    return { ...base, action: 'noop', summary: 'already appended for this instance (by a run cut short)', data: { record } };
  }
  const content = file.append && current !== null ? Buffer.concat([current, file.content]) : file.content;
  const same = stats !== null && current !== null && current.equals(content) && permissions(stats.mode) === file.mode && stats.uid === uid && stats.gid === gid;
  if (same) return { ...base, action: 'noop', summary: 'unchanged', data: { record } };
  const effect: FileEffect = { kind: 'write', path: file.path, content, owner: { mode: file.mode, uid, gid }, makeParents: true };
  const verb = file.append ? `append ${file.content.length} bytes` : `write ${file.content.length} bytes`;
  return {
    ...base,
    action: current === null ? 'create' : 'update',
    summary: `${verb}, mode ${octal(file.mode)}, owner ${owner}`,
    data: { record: file.append ? { ...record, result: digest(content) } : record, effect },
  };
}

export function writeFilesApplier(): Applier {
  return {
    id: ID,
    description: 'writes the files of cloud-config write_files under the root',
    async plan(doc: Instance, ctx: ApplyContext): Promise<Change[]> {
      const { config } = usableUserData(doc);
      if (config === null) return [];
      const { files, problems } = readWriteFiles(config);
      for (const problem of problems) ctx.refuse(`${problem}; not written`);
      if (files.length === 0) return [];
      const known = await accounts(ctx.root);
      const done = written(ctx.previous);
      const changes: Change[] = [];
      for (const file of files) {
        try {
          changes.push(await planFile(file, ctx, known, done));
        } catch (error) {
          ctx.refuse(`write_files[${file.index}] ${quote(file.path)}: ${(error as Error).message}; not written`);
        }
      }
      return changes;
    },
    async apply(change, ctx) {
      await applyFileChange(ctx.root, (change.data as { effect?: unknown } | undefined)?.effect, change.target);
    },
    recordsProgress: true,
    /** An append being made is recorded as pending before it is made, and as done after. */
    remember(results: ProgressResult[], ctx) {
      const files = new Map<string, WrittenFile>();
      const key = (file: WrittenFile): string => `${file.append ? 'a' : 'w'} ${file.sha256} ${file.path}`;
      for (const file of written(ctx.previous).filter((entry) => entry.append)) files.set(key(file), file);
      for (const { change, status } of results) {
        const record = (change.data as { record?: WrittenFile } | undefined)?.record;
        if (record === undefined) continue;
        const { result, ...done } = record;
        if (status === 'applied' || status === 'noop') files.set(key(done), done);
        else if (status === 'started' && record.append && result !== undefined) files.set(key(record), { ...done, pending: true, result });
      }
      return { files: [...files.values()] };
    },
  };
}

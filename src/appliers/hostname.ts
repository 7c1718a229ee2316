// The hostname applier: /etc/hostname (short name), one managed /etc/hosts entry, the running hostname when live; names by cloud-init's rules.
import { quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { chooseHostnames } from '../model/hostname.js';
import { hostnameSettings } from './cloud-config.js';
import { inspectUnder, readFileUnder, resolveUnder } from '../system/files.js';
import type { HostnameSetter } from '../system/hostname.js';
import { applyFileEffect, isFileEffect, permissions, type FileEffect } from './effects.js';
import { hostsEntry, managedEntries, withHostsEntry } from './hosts-file.js';
import type { Applier, ApplyContext, Change, ChangeResult } from './types.js';

const ID = 'hostname';

interface RunningEffect {
  kind: 'running';
  name: string;
}

async function fileChange(root: string, path: string, bytes: Buffer, describe: (old: string | null) => Partial<Change>): Promise<Change> {
  const stats = await inspectUnder(root, path);
  const current = await readFileUnder(root, path);
  const old = current === null ? null : current.toString('latin1');
  const target = resolveUnder(root, path);
  if (current !== null && current.equals(bytes)) {
    return { applier: ID, target, ...describe(old), action: 'noop', summary: 'unchanged' };
  }
  const effect: FileEffect = {
    kind: 'write',
    path,
    content: bytes,
    owner: stats === null ? { mode: 0o644 } : { mode: permissions(stats.mode), uid: stats.uid, gid: stats.gid },
    makeParents: true,
  };
  return { applier: ID, action: current === null ? 'create' : 'update', target, summary: '', data: effect, ...describe(old) };
}

export function hostnameApplier(setter: HostnameSetter): Applier {
  return {
    id: ID,
    description: 'writes /etc/hostname, the managed 127.0.1.1 line of /etc/hosts, and the running hostname',
    async plan(doc: Instance, ctx: ApplyContext): Promise<Change[]> {
      const names = chooseHostnames(doc.hostname, hostnameSettings(doc));
      if (names === null) {
        ctx.warn('the metadata has no hostname; nothing to do');
        return [];
      }
      const { short, fqdn } = names;
      const entry = hostsEntry(fqdn, short);
      const hostnameFile = await fileChange(ctx.root, '/etc/hostname', Buffer.from(`${short}\n`), (old) => ({
        ...(old === null ? {} : { before: old.trim() }),
        after: short,
        summary: `set to ${quote(short)}`,
      }));
      const hostsText = (await readFileUnder(ctx.root, '/etc/hosts'))?.toString('latin1') ?? '';
      const hosts = await fileChange(ctx.root, '/etc/hosts', Buffer.from(withHostsEntry(hostsText, entry), 'latin1'), (old) => {
        const previous = old === null ? [] : managedEntries(old);
        return {
          ...(previous.length === 0 ? {} : { before: previous.join('\n') }),
          after: entry,
          summary: previous.length === 0 ? 'add the managed 127.0.1.1 entry' : 'update the managed 127.0.1.1 entry',
        };
      });
      // Not live: the running hostname is the build machine's, nothing to do with this image.
      if (!ctx.live) return [hostnameFile, hosts];
      const current = setter.current();
      const running: Change = {
        applier: ID,
        action: current === short ? 'noop' : 'update',
        target: 'running hostname',
        before: current,
        after: short,
        summary: current === short ? 'unchanged' : `set to ${quote(short)}`,
      };
      if (running.action !== 'noop') running.data = { kind: 'running', name: short } satisfies RunningEffect;
      return [hostnameFile, hosts, running];
    },
    async apply(change, ctx) {
      const data = change.data as RunningEffect | FileEffect | undefined;
      if (data?.kind === 'running') await setter.set(data.name);
      else if (isFileEffect(data)) await applyFileEffect(ctx.root, data);
    },
    remember(results: ChangeResult[]) {
      const hostsResult = results.find((result) => result.change.target.endsWith('/etc/hosts'));
      const ok = hostsResult !== undefined && (hostsResult.status === 'applied' || hostsResult.status === 'noop');
      return ok ? { hosts_entry: hostsResult.change.after } : {};
    },
  };
}

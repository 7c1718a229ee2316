// The network applier's files: what the renderer wants against mdctl's marked files under the root; others' files are never touched.
import { quote } from '../../core/errors.js';
import type { NetworkLayout } from '../../model/network-layout.js';
import { listUnder } from '../../system/dir-under.js';
import { inspectUnder, readFileUnder, resolveUnder } from '../../system/files.js';
import { permissions } from '../effects.js';
import type { ApplyContext, Change } from '../types.js';
import { lineDiff } from './diff.js';
import { MARKER, type RenderedFile, type Renderer } from './render.js';
import { RENDERERS } from './renderers.js';

export const ID = 'network';

export type FileEffect = { kind: 'file'; op: 'write'; path: string; content: string; mode: number } | { kind: 'file'; op: 'delete'; path: string } | { kind: 'file'; op: 'keep'; path: string };

/** Whether the bytes are a file mdctl wrote: its first line is the marker. */
export function isMarked(bytes: Buffer): boolean {
  return bytes.subarray(0, MARKER.length + 1).toString('utf8') === `${MARKER}\n`;
}

/** mdctl's files (marked, of mdctl's name shape) in every renderer's directory under the root. */
async function ownedFiles(root: string): Promise<string[]> {
  const owned: string[] = [];
  for (const renderer of Object.values(RENDERERS)) {
    for (const entry of await listUnder(root, renderer.directory)) {
      if (entry.kind !== 'file' || !renderer.ownsName(entry.name)) continue;
      const path = `${renderer.directory}/${entry.name}`;
      // mdctl's files are small: one it cannot read within 64 KiB is not one of them.
      const bytes = await readFileUnder(root, path, 64 * 1024).catch(() => null);
      if (bytes !== null && isMarked(bytes)) owned.push(path);
    }
  }
  return owned;
}

function change(root: string, action: Change['action'], effect: FileEffect, summary: string, extra: Partial<Change> = {}): Change {
  return { applier: ID, action, target: resolveUnder(root, effect.path), summary, data: effect, ...extra };
}

async function planWrite(file: RenderedFile, ctx: ApplyContext): Promise<Change | null> {
  const stats = await inspectUnder(ctx.root, file.path);
  const current = stats === null ? null : await readFileUnder(ctx.root, file.path, 1024 * 1024);
  const write: FileEffect = { kind: 'file', op: 'write', path: file.path, content: file.content, mode: file.mode };
  if (stats === null || current === null) return change(ctx.root, 'create', write, `write ${file.content.length} bytes, mode 0${file.mode.toString(8)}`, { after: file.content });
  if (!stats.isFile() || !isMarked(current)) {
    ctx.refuse(`${quote(resolveUnder(ctx.root, file.path), 240)} is not mdctl's (no marker line); left alone, link ${quote(file.link)} not rendered`);
    return null;
  }
  const old = current.toString('utf8');
  if (old === file.content && permissions(stats.mode) === file.mode) return change(ctx.root, 'noop', { kind: 'file', op: 'keep', path: file.path }, 'unchanged');
  const { removed, added } = lineDiff(old, file.content);
  const summary = old === file.content ? `mode 0${file.mode.toString(8)}` : `rewrite (${removed.length} lines out, ${added.length} in)`;
  return change(ctx.root, 'update', write, summary, { before: removed.join('\n'), after: added.join('\n') });
}

/**
 * Changes for the files: write what the renderer wants (none: nothing), remove mdctl's files
 * that are no longer wanted. Files of frozen links (something of theirs was refused) are left
 * as they are.
 */
export async function planFiles(layout: NetworkLayout, renderer: Renderer | null, ctx: ApplyContext): Promise<Change[]> {
  const frozenNames = new Set(layout.frozen.flatMap((id) => Object.values(RENDERERS).flatMap((each) => each.namesFor(id))));
  const isFrozen = (path: string): boolean => frozenNames.has(path.slice(path.lastIndexOf('/') + 1));
  const wanted = (renderer === null ? [] : renderer.render(layout)).filter((file) => !layout.frozen.includes(file.link));
  const changes: Change[] = [];
  for (const file of wanted) {
    const planned = await planWrite(file, ctx);
    if (planned !== null) changes.push(planned);
  }
  for (const path of await ownedFiles(ctx.root)) {
    if (wanted.some((file) => file.path === path)) continue;
    if (isFrozen(path)) {
      changes.push(change(ctx.root, 'noop', { kind: 'file', op: 'keep', path }, 'kept as it is: a value of its link was refused'));
      continue;
    }
    const old = (await readFileUnder(ctx.root, path, 1024 * 1024))?.toString('utf8') ?? '';
    changes.push(change(ctx.root, 'delete', { kind: 'file', op: 'delete', path }, 'written by mdctl, no longer in the metadata', { before: old }));
  }
  return changes;
}

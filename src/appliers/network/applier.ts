// The network applier: renders network_data.json for the image's network manager (files mdctl owns) and, when live, puts links up with their MTU and static addresses.
import type { Instance } from '../../core/instance.js';
import { readNetworkLayout } from '../../model/network-layout.js';
import { removeUnder } from '../../system/dir-under.js';
import type { AddressTable } from '../../system/ipaddr.js';
import { applyFileEffect } from '../effects.js';
import { rememberedByEveryInstance } from '../state.js';
import type { Applier, ApplyContext, Change, ChangeResult } from '../types.js';
import { chooseRenderer, type RendererSetting } from './detect.js';
import { ID, planFiles, type FileEffect } from './files.js';
import { vlansAfter, type OwnedVlan } from './live-vlans.js';
import { applyLive, planLive, planNotLive, type LiveEffect, type OwnedAddress } from './live.js';
import { RENDERERS } from './renderers.js';


export interface NetworkParts {
  /** `network.renderer` of the config file (default auto). */
  renderer: RendererSetting;
  addresses: AddressTable;
  /** The state dir: what mdctl added live is found across instances (a new instance replaces it). */
  stateDir?: string;
}

/** What the network applier remembers: the files it wrote and the addresses it added, with the time (the newest record of any instance wins). */
export interface NetworkMemory {
  recorded_at: string;
  files: string[];
  addresses: OwnedAddress[];
  /** VLAN devices mdctl created (absent in records of older versions). */
  vlans?: OwnedVlan[];
}

/** The address table of a machine with no interfaces: for renders away from the guest (validate). */
export const NO_ADDRESSES: AddressTable = {
  interfaces: () => Promise.resolve([]),
  add: () => Promise.reject(new Error('no live interfaces here')),
  remove: () => Promise.reject(new Error('no live interfaces here')),
  setMtu: () => Promise.reject(new Error('no live interfaces here')),
  setUp: () => Promise.reject(new Error('no live interfaces here')),
  addVlan: () => Promise.reject(new Error('no live interfaces here')),
  removeLink: () => Promise.reject(new Error('no live interfaces here')),
  metadataRoute: () => Promise.resolve(null),
};

function memoryOf(value: unknown): NetworkMemory | null {
  const memory = value as Partial<NetworkMemory> | null | undefined;
  if (typeof memory !== 'object' || memory === null || typeof memory.recorded_at !== 'string' || !Array.isArray(memory.addresses)) return null;
  const addresses = memory.addresses.filter(
    (item: Partial<OwnedAddress> | null): item is OwnedAddress =>
      typeof item === 'object' && item !== null && (item.family === 4 || item.family === 6) && typeof item.address === 'string' && typeof item.prefix === 'number' && typeof item.dev === 'string',
  );
  const vlans = (Array.isArray(memory.vlans) ? memory.vlans : []).filter(
    (item: Partial<OwnedVlan> | null): item is OwnedVlan => typeof item === 'object' && item !== null && typeof item.dev === 'string' && typeof item.id === 'number',
  );
  return { recorded_at: memory.recorded_at, files: Array.isArray(memory.files) ? memory.files.filter((file): file is string => typeof file === 'string') : [], addresses, vlans };
}

/** The newest memory: this instance's, or another instance's when that is newer (the machine still has what it added). */
async function latestMemory(ctx: ApplyContext, stateDir: string | undefined): Promise<NetworkMemory | null> {
  const candidates = [ctx.previous, ...(stateDir === undefined ? [] : await rememberedByEveryInstance(stateDir, ID))];
  let latest: NetworkMemory | null = null;
  for (const candidate of candidates) {
    const memory = memoryOf(candidate);
    if (memory !== null && (latest === null || memory.recorded_at > latest.recorded_at)) latest = memory;
  }
  return latest;
}

function ownedAfter(results: ChangeResult[], before: OwnedAddress[], live: boolean): OwnedAddress[] {
  if (!live) return before;
  const owned: OwnedAddress[] = [];
  for (const { change, status } of results) {
    const effect = change.data as LiveEffect | undefined;
    if (effect?.kind === 'vlan' && effect.op === 'add' && status === 'applied') owned.push(...(effect.addresses ?? []).map((address) => ({ ...address, mac: null, dev: effect.dev })));
    if (effect?.kind !== 'address' || effect.dev === null) continue;
    const added = effect.op === 'add' && status === 'applied';
    const removed = effect.op === 'remove' && status === 'applied';
    if (added || (effect.wasOwned && !removed)) owned.push({ ...effect.address, mac: effect.mac, dev: effect.dev });
  }
  return owned;
}

export function networkApplier(parts: NetworkParts): Applier {
  /** Per run: the memory plan() started from; absent when plan() had nothing to work from (no network data). */
  const handedOver = new WeakMap<ApplyContext, NetworkMemory | null>();
  return {
    id: ID,
    description: 'renders network_data.json for systemd-networkd or NetworkManager and, when live, sets links up with their MTU and static addresses',
    needs: ['networks'],
    async plan(doc: Instance, ctx: ApplyContext): Promise<Change[]> {
      const layout = readNetworkLayout(doc.openstack?.network_data ?? null);
      for (const problem of layout.problems) ctx.refuse(problem);
      // Without network data (EC2, or an older metadata version) there is nothing to render, and nothing is taken away.
      if (doc.openstack === null || doc.openstack.network_data === null) return [];
      const memory = await latestMemory(ctx, parts.stateDir);
      handedOver.set(ctx, memory);
      const chosen = await chooseRenderer(parts.renderer, ctx.root);
      if (chosen.renderer === 'none' && parts.renderer === 'auto' && layout.networks.length > 0) ctx.warn(`no network files rendered: ${chosen.why}`);
      const files = await planFiles(layout, chosen.renderer === 'none' ? null : RENDERERS[chosen.renderer], ctx);
      const live = ctx.live ? await planLive(layout, { addresses: memory?.addresses ?? [], vlans: memory?.vlans ?? [] }, parts.addresses, ctx) : planNotLive(layout);
      return [...files, ...live];
    },
    async apply(change, ctx) {
      const effect = change.data as FileEffect | LiveEffect | undefined;
      if (effect === undefined) return;
      if (effect.kind !== 'file') {
        await applyLive(effect, parts.addresses);
      } else if (effect.op === 'write') {
        await applyFileEffect(ctx.root, { kind: 'write', path: effect.path, content: Buffer.from(effect.content, 'utf8'), owner: { mode: effect.mode }, makeParents: true });
      } else if (effect.op === 'delete') {
        await removeUnder(ctx.root, effect.path);
      }
    },
    remember(results: ChangeResult[], ctx) {
      if (!handedOver.has(ctx)) return undefined;
      const memory = handedOver.get(ctx) ?? null;
      const files = results.flatMap(({ change, status }) => {
        const effect = change.data as FileEffect | LiveEffect | undefined;
        const kept = effect?.kind === 'file' && effect.op !== 'delete' && (status === 'applied' || status === 'noop');
        return kept ? [effect.path] : [];
      });
      return {
        recorded_at: new Date().toISOString(),
        files,
        addresses: ownedAfter(results, memory?.addresses ?? [], ctx.live),
        vlans: vlansAfter(results, memory?.vlans ?? [], ctx.live),
      } satisfies NetworkMemory;
    },
  };
}

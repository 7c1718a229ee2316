// The network applier's VLANs live: created with `ip link` on their parent's interface; removed when they leave the metadata, only when mdctl made them.
import { quote } from '../../core/errors.js';
import type { LinkLayout, NetworkLayout } from '../../model/network-layout.js';
import type { LiveAddress, LiveInterface } from '../../system/ipaddr.js';
import type { ApplyContext, Change, ChangeResult } from '../types.js';
import { ID } from './files.js';

/** A VLAN device mdctl created. */
export interface OwnedVlan {
  dev: string;
  id: number;
}

export interface VlanEffect {
  kind: 'vlan';
  op: 'add' | 'keep' | 'remove';
  dev: string;
  /** The parent interface (for add). */
  parent: string | null;
  id: number;
  wasOwned: boolean;
  /** For add: the new device's MTU and addresses, set in the same step (nothing is tried on a device that could not be made). */
  mtu?: number | null;
  addresses?: LiveAddress[];
}

function vlanChange(action: Change['action'], summary: string, effect: VlanEffect, extra: Partial<Change> = {}): Change {
  return { applier: ID, action, target: `link ${effect.dev}`, summary, data: effect, ...extra };
}

/**
 * A VLAN link: kept when its device exists (the caller plans its MTU and addresses on it), else
 * created on its parent's interface (when that is here) with its MTU and addresses in one step.
 */
export function planVlan(link: LinkLayout, addresses: LiveAddress[], here: LiveInterface | undefined, parent: LiveInterface | undefined, owned: OwnedVlan[], ctx: ApplyContext): { changes: Change[]; device: LiveInterface | null } {
  const dev = link.device ?? '';
  const id = link.vlan?.id ?? 0;
  const wasOwned = owned.some((vlan) => vlan.dev === dev && vlan.id === id);
  if (here !== undefined) {
    if (here.kind !== 'vlan') {
      ctx.warn(`link ${quote(link.id)} skipped live: the interface ${quote(dev)} here is not a VLAN`);
      return { changes: [], device: null };
    }
    return { changes: [vlanChange('noop', 'present', { kind: 'vlan', op: 'keep', dev, parent: null, id, wasOwned })], device: here };
  }
  if (parent === undefined) {
    const skipped = `its parent link ${quote(link.vlan?.parent ?? '')} has no interface here`;
    return { changes: [vlanChange('create', `VLAN ${id}`, { kind: 'vlan', op: 'add', dev, parent: null, id, wasOwned }, { skipped })], device: null };
  }
  const effect: VlanEffect = { kind: 'vlan', op: 'add', dev, parent: parent.name, id, wasOwned, mtu: link.mtu, addresses };
  const after = [`${dev}: vlan ${id} on ${parent.name}${link.mtu === null ? '' : `, mtu ${link.mtu}`}, up`, ...addresses.map((address) => `${address.address}/${address.prefix}`)];
  return { changes: [vlanChange('create', `VLAN ${id} on ${parent.name}`, effect, { after: after.join('\n') })], device: null };
}

/** VLAN devices mdctl created that left the metadata and are still here: removed (kept while a value is refused). */
export function planVlanRemovals(layout: NetworkLayout, owned: OwnedVlan[], interfaces: LiveInterface[]): Change[] {
  const changes: Change[] = [];
  for (const vlan of owned) {
    if (layout.links.some((link) => link.device === vlan.dev && link.vlan?.id === vlan.id)) continue;
    if (!interfaces.some((candidate) => candidate.name === vlan.dev && candidate.kind === 'vlan')) continue;
    const effect: VlanEffect = { kind: 'vlan', op: 'remove', dev: vlan.dev, parent: null, id: vlan.id, wasOwned: true };
    if (layout.frozen.length > 0) changes.push(vlanChange('noop', 'created by mdctl, kept while a value of the network data is refused', { ...effect, op: 'keep' }));
    else changes.push(vlanChange('delete', 'created by mdctl, no longer in the metadata', effect, { before: `${vlan.dev}: vlan ${vlan.id}` }));
  }
  return changes;
}

/** The VLANs mdctl owns after a run (not live: as before). */
export function vlansAfter(results: ChangeResult[], before: OwnedVlan[], live: boolean): OwnedVlan[] {
  if (!live) return before;
  const owned: OwnedVlan[] = [];
  for (const { change, status } of results) {
    const effect = change.data as Partial<VlanEffect> | undefined;
    if (effect?.kind !== 'vlan' || effect.dev === undefined || effect.id === undefined) continue;
    const added = effect.op === 'add' && status === 'applied';
    const removed = effect.op === 'remove' && status === 'applied';
    if (added || (effect.wasOwned === true && !removed)) owned.push({ dev: effect.dev, id: effect.id });
  }
  return owned;
}

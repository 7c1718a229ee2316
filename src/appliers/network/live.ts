// The network applier's live part: links up, MTU and static addresses with `ip`; only addresses mdctl added are ever removed, never the one the metadata route uses.
import { quote } from '../../core/errors.js';
import { addressValue, inSubnet } from '../../core/ip.js';
import type { LinkLayout, NetworkLayout } from '../../model/network-layout.js';
import type { AddressTable, LiveAddress, LiveInterface } from '../../system/ipaddr.js';
import { interfacesByMac } from '../../system/mac-map.js';
import type { ApplyContext, Change } from '../types.js';
import { ID } from './files.js';
import { planVlan, planVlanRemovals, type OwnedVlan, type VlanEffect } from './live-vlans.js';
import { networksOf, renderedLinks } from './render.js';

/**
 * An address mdctl added, as remembered: on a physical link by its MAC (interface names can change
 * between boots); on a VLAN or bond (mac null) by the device name mdctl gives it.
 */
export interface OwnedAddress extends LiveAddress {
  mac: string | null;
  dev: string;
}

/** Where an address lives: the physical link's MAC, or the VLAN/bond device's name. */
interface Place {
  mac: string | null;
  dev: string | null;
}

function placeOf(link: LinkLayout): Place {
  return link.device === null ? { mac: link.mac, dev: null } : { mac: null, dev: link.device };
}

function samePlace(mine: OwnedAddress, place: Place): boolean {
  return mine.mac !== null ? mine.mac === place.mac : place.mac === null && mine.dev === place.dev;
}

export type LiveEffect =
  | VlanEffect
  | { kind: 'up'; dev: string }
  | { kind: 'mtu'; dev: string; mtu: number }
  | { kind: 'address'; op: 'add' | 'remove' | 'keep'; dev: string | null; mac: string | null; address: LiveAddress; wasOwned: boolean };

const cidr = (address: LiveAddress): string => `${address.address}/${address.prefix}`;
const sameAddress = (a: LiveAddress, b: LiveAddress): boolean => a.family === b.family && a.address === b.address && a.prefix === b.prefix;

function addressChange(action: Change['action'], summary: string, effect: Extract<LiveEffect, { kind: 'address' }>, extra: Partial<Change> = {}): Change {
  const where = effect.dev === null ? '' : ` dev ${effect.dev}`;
  return { applier: ID, action, target: `address ${cidr(effect.address)}${where}`, summary, data: effect, ...extra };
}

function wantedAddresses(layout: NetworkLayout, link: LinkLayout): LiveAddress[] {
  return networksOf(layout, link).flatMap((network) => (network.address === null ? [] : [network.address]));
}

/** Not live: what would be done, each skipped. */
export function planNotLive(layout: NetworkLayout): Change[] {
  return renderedLinks(layout).flatMap((link) =>
    wantedAddresses(layout, link).map((address) =>
      addressChange('create', `add on link ${quote(link.id)}`, { kind: 'address', op: 'add', dev: null, mac: placeOf(link).mac, address, wasOwned: false }, { after: cidr(address), skipped: 'not live' }),
    ),
  );
}

/** The interface a link is on here: a physical link by MAC, a VLAN or bond by the device name mdctl gives it. */
function interfaceOf(link: LinkLayout, interfaces: LiveInterface[], byMac: Map<string, string>): LiveInterface | undefined {
  const name = link.device ?? (link.mac === null ? undefined : byMac.get(link.mac));
  return interfaces.find((candidate) => candidate.name === name);
}

function planLink(layout: NetworkLayout, link: LinkLayout, here: LiveInterface, owned: OwnedAddress[]): Change[] {
  const changes: Change[] = [];
  const dev = here.name;
  if (!here.up) changes.push({ applier: ID, action: 'update', target: `link ${dev}`, summary: 'set up', before: 'down', after: 'up', data: { kind: 'up', dev } satisfies LiveEffect });
  if (link.mtu !== null && here.mtu !== link.mtu) {
    changes.push({ applier: ID, action: 'update', target: `mtu ${dev}`, summary: `set to ${link.mtu}`, ...(here.mtu === null ? {} : { before: String(here.mtu) }), after: String(link.mtu), data: { kind: 'mtu', dev, mtu: link.mtu } satisfies LiveEffect });
  }
  for (const address of wantedAddresses(layout, link)) {
    const wasOwned = owned.some((mine) => samePlace(mine, placeOf(link)) && sameAddress(mine, address));
    const effect = { kind: 'address', dev, mac: placeOf(link).mac, address, wasOwned } as const;
    if (here.addresses.some((present) => sameAddress(present, address))) changes.push(addressChange('noop', 'present', { ...effect, op: 'keep' }));
    else changes.push(addressChange('create', 'add', { ...effect, op: 'add' }, { after: cidr(address) }));
  }
  return changes;
}

/** Whether a wanted address on the same link lies in the subnet of an owned one: it takes over the routes that used it. */
function replaced(mine: OwnedAddress, wanted: { place: Place; address: LiveAddress }[]): boolean {
  const own = addressValue(mine.address);
  return wanted.some(({ place, address }) => {
    const other = addressValue(address.address);
    return samePlace(mine, place) && own !== null && other !== null && other.family === own.family && address.prefix === mine.prefix && inSubnet(other.value, own.value, mine.prefix, own.family);
  });
}

/** Removal of the addresses mdctl added that left the metadata (still present), except the metadata route's source and those of frozen links. */
async function planRemovals(layout: NetworkLayout, owned: OwnedAddress[], interfaces: LiveInterface[], byMac: Map<string, string>, table: AddressTable, ctx: ApplyContext): Promise<Change[]> {
  const wanted = layout.links.flatMap((link) => wantedAddresses(layout, link).map((address) => ({ place: placeOf(link), address })));
  let metadata: Awaited<ReturnType<AddressTable['metadataRoute']>> | undefined;
  const changes: Change[] = [];
  for (const mine of owned) {
    if (wanted.some((other) => samePlace(mine, other.place) && sameAddress(other.address, mine))) continue;
    const dev = (mine.mac === null ? undefined : byMac.get(mine.mac)) ?? mine.dev;
    const here = interfaces.find((candidate) => candidate.name === dev);
    if (here === undefined || !here.addresses.some((present) => sameAddress(present, mine))) continue;
    const effect = { kind: 'address', dev, mac: mine.mac, address: { family: mine.family, address: mine.address, prefix: mine.prefix }, wasOwned: true } as const;
    metadata ??= await table.metadataRoute();
    if (layout.frozen.length > 0) {
      changes.push(addressChange('noop', 'added by mdctl, kept while a value of the network data is refused', { ...effect, op: 'keep' }));
    } else if (metadata !== null && metadata.source === mine.address && (metadata.dev === null || metadata.dev === dev) && !replaced(mine, wanted)) {
      ctx.warn(`address ${quote(cidr(mine))} on ${dev} left the metadata but is kept: the route to the metadata service uses it`);
      changes.push(addressChange('noop', 'kept: the route to the metadata service uses it', { ...effect, op: 'keep' }));
    } else {
      changes.push(addressChange('delete', 'added by mdctl, no longer in the metadata', { ...effect, op: 'remove' }, { before: cidr(mine) }));
    }
  }
  return changes;
}

/** What mdctl added live, as the newest memory says. */
interface Owned {
  addresses: OwnedAddress[];
  vlans: OwnedVlan[];
}

/**
 * Live changes: per link on this machine (a VLAN is created on its parent's interface), then
 * removals. A link whose MAC names no interface here is skipped with a warning; bonds are left to
 * the network manager.
 */
export async function planLive(layout: NetworkLayout, owned: Owned, table: AddressTable, ctx: ApplyContext): Promise<Change[]> {
  // Bond members are left to the network manager, which enslaves them.
  const links = renderedLinks(layout).filter((link) => link.bondedTo === undefined && (link.mtu !== null || wantedAddresses(layout, link).length > 0 || link.device !== null));
  if (links.length === 0 && owned.addresses.length === 0 && owned.vlans.length === 0) return [];
  const interfaces = await table.interfaces();
  const byMac = interfacesByMac(interfaces);
  const byId = new Map(layout.links.map((link) => [link.id, link]));
  const changes: Change[] = [];
  for (const link of links) {
    const here = interfaceOf(link, interfaces, byMac);
    if (link.kind === 'vlan') {
      const parentLink = byId.get(link.vlan?.parent ?? '');
      const parent = parentLink === undefined ? undefined : interfaceOf(parentLink, interfaces, byMac);
      const planned = planVlan(link, wantedAddresses(layout, link), here, parent, owned.vlans, ctx);
      changes.push(...planned.changes, ...(planned.device === null ? [] : planLink(layout, link, planned.device, owned.addresses)));
    } else if (here !== undefined) changes.push(...planLink(layout, link, here, owned.addresses));
    else if (link.device !== null) {
      changes.push({ applier: ID, action: 'create', target: `link ${link.device}`, summary: `bond on link ${quote(link.id)}`, skipped: 'bond devices are created by the network manager from the rendered files' });
    } else ctx.warn(`link ${quote(link.id)} skipped live: no interface has MAC ${quote(link.mac ?? 'none')}`);
  }
  const removals = await planRemovals(layout, owned.addresses, interfaces, byMac, table, ctx);
  return [...changes, ...removals, ...planVlanRemovals(layout, owned.vlans, interfaces)];
}

/** A new VLAN device with its MTU, up, and its addresses. */
async function createVlan(effect: VlanEffect, table: AddressTable): Promise<void> {
  await table.addVlan(effect.dev, effect.parent ?? '', effect.id);
  if (effect.mtu !== undefined && effect.mtu !== null) await table.setMtu(effect.dev, effect.mtu);
  await table.setUp(effect.dev);
  for (const address of effect.addresses ?? []) await table.add(effect.dev, address);
}

/** Carries out one live effect. */
export async function applyLive(effect: LiveEffect, table: AddressTable): Promise<void> {
  if (effect.kind === 'vlan') {
    if (effect.op === 'add' && effect.parent !== null) await createVlan(effect, table);
    else if (effect.op === 'remove') await table.removeLink(effect.dev);
  } else if (effect.kind === 'up') await table.setUp(effect.dev);
  else if (effect.kind === 'mtu') await table.setMtu(effect.dev, effect.mtu);
  else if (effect.dev !== null && effect.op === 'add') await table.add(effect.dev, effect.address);
  else if (effect.dev !== null && effect.op === 'remove') await table.remove(effect.dev, effect.address);
}

// Properties of the network applier's live plan: it removes only addresses mdctl owns that left the metadata, adds exactly the missing wanted ones, and never removes the metadata route's source without a replacement.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { planLive } from '../../src/appliers/network/live.js';
import type { LiveEffect, OwnedAddress } from '../../src/appliers/network/live.js';
import { readNetworkLayout } from '../../src/model/network-layout.js';
import type { AddressTable, LiveInterface } from '../../src/system/ipaddr.js';
import { context } from '../appliers/root.js';
import { RUNS } from './typed.js';

const MAC = 'fa:16:3e:5b:a1:0c';
const host = fc.integer({ min: 2, max: 30 });
const address = (n: number): string => `192.168.0.${n}`;

function table(here: LiveInterface, metadataSource: string | null): AddressTable {
  const refuse = (): Promise<never> => Promise.reject(new Error('plan() never changes anything'));
  return {
    interfaces: () => Promise.resolve([structuredClone(here)]),
    add: refuse,
    remove: refuse,
    setMtu: refuse,
    setUp: refuse,
    addVlan: refuse,
    removeLink: refuse,
    metadataRoute: () => Promise.resolve(metadataSource === null ? null : { dev: 'eth0', source: metadataSource }),
  };
}

test('live plan: adds the missing wanted addresses, removes only owned ones that left, keeps the metadata route\'s source unless replaced', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(host, { maxLength: 3 }),
      fc.uniqueArray(host, { maxLength: 6 }),
      fc.uniqueArray(host, { maxLength: 4 }),
      fc.option(host, { nil: null }),
      async (wanted, present, owned, metadataHost) => {
        const data = {
          links: [{ id: 'tap0', type: 'ovs', ethernet_mac_address: MAC }],
          networks: wanted.map((n, i) => ({ id: `net${i}`, type: 'ipv4', link: 'tap0', ip_address: address(n), netmask: '255.255.255.0' })),
        };
        const here: LiveInterface = { name: 'eth0', mac: MAC, mtu: 1500, up: true, addresses: present.map((n) => ({ family: 4, address: address(n), prefix: 24 })) };
        const mine: OwnedAddress[] = owned.map((n) => ({ family: 4, address: address(n), prefix: 24, mac: MAC, dev: 'eth0' }));
        const metadata = metadataHost === null || !present.includes(metadataHost) ? null : address(metadataHost);
        const changes = await planLive(readNetworkLayout(data), { addresses: mine, vlans: [] }, table(here, metadata), context('/', { live: true }));
        const of = (op: string): number[] =>
          changes.flatMap((change) => {
            const effect = change.data as LiveEffect;
            return effect.kind === 'address' && effect.op === op ? [Number(effect.address.address.split('.')[3])] : [];
          });
        assert.deepEqual(of('add').sort(), wanted.filter((n) => !present.includes(n)).sort());
        const removed = of('remove');
        for (const n of removed) {
          assert.ok(owned.includes(n) && present.includes(n) && !wanted.includes(n), `removes only an owned address that left: ${n}`);
          if (metadata === address(n)) assert.ok(wanted.length > 0, 'the metadata route\'s source goes only when a new address of its subnet takes over');
        }
        const expectedRemoved = owned.filter((n) => present.includes(n) && !wanted.includes(n) && !(metadata === address(n) && wanted.length === 0));
        assert.deepEqual(removed.sort(), expectedRemoved.sort());
      },
    ),
    RUNS,
  );
});

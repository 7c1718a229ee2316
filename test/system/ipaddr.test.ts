// `ip -d -j address` parsing, and addresses, MTU and link state changed for real in a network namespace made by the test.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ipAddressTable, parseIpAddresses } from '../../src/system/ipaddr.js';
import { cleanup, createNetns, run, uniqueName } from '../helpers/netns.js';

test('ip -d -j address output gives interfaces with MAC, permanent MAC, kind, MTU, state and canonical addresses', () => {
  const json = JSON.stringify([
    { ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, address: '00:00:00:00:00:00', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
    {
      ifname: 'ens4',
      flags: ['BROADCAST', 'MULTICAST'],
      mtu: 1500,
      address: '52:54:00:12:34:01',
      permaddr: '52:54:00:12:34:02',
      linkinfo: { info_slave_kind: 'bond' },
      addr_info: [{ family: 'inet6', local: '2001:DB8:0:0::1', prefixlen: 64 }, { family: 'inet', local: 'bogus', prefixlen: 8 }, { family: 'inet' }],
    },
    { ifname: 'vlan0', flags: ['UP'], mtu: 1500, address: '52:54:00:12:34:01', linkinfo: { info_kind: 'vlan' } },
    { ifname: 'wg0', flags: ['UP'], mtu: 1420, link_type: 'none' },
  ]);
  assert.deepEqual(parseIpAddresses(json), [
    { name: 'lo', mac: '00:00:00:00:00:00', mtu: 65536, up: true, addresses: [{ family: 4, address: '127.0.0.1', prefix: 8 }] },
    { name: 'ens4', mac: '52:54:00:12:34:01', permanentMac: '52:54:00:12:34:02', mtu: 1500, up: false, addresses: [{ family: 6, address: '2001:db8::1', prefix: 64 }] },
    { name: 'vlan0', mac: '52:54:00:12:34:01', kind: 'vlan', mtu: 1500, up: true, addresses: [] },
  ]);
  assert.deepEqual(parseIpAddresses(''), []);
  assert.throws(() => parseIpAddresses('{}'), /not a list/);
  assert.throws(() => parseIpAddresses('nope'), /invalid JSON/);
});

const ns = uniqueName('sysad');
before(async () => {
  await createNetns(ns);
  await run(['ip', '-n', ns, 'link', 'add', 'eth0', 'address', 'fa:16:3e:00:00:43', 'type', 'veth', 'peer', 'name', 'peer0']);
  await run(['ip', '-n', ns, 'link', 'set', 'peer0', 'up']);
});
after(cleanup);

test('a link is set up with an MTU, addresses are added (twice is fine) and removed, the metadata route is read', async () => {
  const table = ipAddressTable(['ip', 'netns', 'exec', ns, 'ip']);
  const find = async (): Promise<ReturnType<typeof parseIpAddresses>[number] | undefined> => (await table.interfaces()).find((link) => link.name === 'eth0');
  assert.equal((await find())?.up, false);
  assert.equal(await table.metadataRoute(), null);
  await table.setUp('eth0');
  await table.setMtu('eth0', 1450);
  await table.add('eth0', { family: 4, address: '192.168.0.233', prefix: 24 });
  await table.add('eth0', { family: 4, address: '192.168.0.233', prefix: 24 });
  await table.add('eth0', { family: 6, address: '2001:db8::10', prefix: 64 });
  await run(['ip', '-n', ns, 'route', 'add', '169.254.169.254/32', 'via', '192.168.0.3', 'dev', 'eth0']);
  const link = await find();
  assert.equal(link?.up, true);
  assert.equal(link?.mtu, 1450);
  assert.equal(link?.kind, 'veth');
  assert.deepEqual(link?.addresses.filter((address) => !address.address.startsWith('fe80')), [
    { family: 4, address: '192.168.0.233', prefix: 24 },
    { family: 6, address: '2001:db8::10', prefix: 64 },
  ]);
  assert.deepEqual(await table.metadataRoute(), { dev: 'eth0', source: '192.168.0.233' });
  await table.remove('eth0', { family: 6, address: '2001:db8::10', prefix: 64 });
  assert.ok(!(await find())?.addresses.some((address) => address.address === '2001:db8::10'));
  await assert.rejects(table.setMtu('eth0', 10), /failed/);
});

test('a VLAN is created and removed where the kernel has 802.1Q; else the error names the command (the CI kernel has none)', async () => {
  const table = ipAddressTable(['ip', 'netns', 'exec', ns, 'ip']);
  const made = await table.addVlan('eth0.7', 'eth0', 7).then(
    () => true,
    (error: Error) => {
      assert.match(error.message, /^"ip netns exec \S+ ip link add link eth0 name eth0\.7 type vlan id 7" failed: "Error: Unknown device type\."$/);
      return false;
    },
  );
  assert.equal((await table.interfaces()).find((candidate) => candidate.name === 'eth0.7')?.kind, made ? 'vlan' : undefined);
  if (made) await table.removeLink('eth0.7');
  await assert.rejects(table.removeLink('eth0.7'), /failed/);
  assert.ok(!(await table.interfaces()).some((candidate) => candidate.name === 'eth0.7'));
});

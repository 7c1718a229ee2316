// validate's network checks on image roots made by the test: shipped mdctl network files fail; the metadata renders for the image's manager into a scratch copy.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MARKER } from '../../src/appliers/network/render.js';
import { checkNetworkFiles, checkNetworkRender, matchesEveryDevice } from '../../src/validate/network-check.js';
import { pass, fail } from '../../src/validate/types.js';
import { doc, makeRoot, removeRoots, snapshot } from '../appliers/root.js';
import { seedStatic } from '../model/network-samples.js';

after(removeRoots);

const withNetwork = (networkData: Record<string, unknown> | null): ReturnType<typeof doc> => doc({ openstack: { meta_data: {}, network_data: networkData, vendor_data: null, vendor_data2: null } });
const NETWORK_DATA_OK = pass('network-data', 'fine');

function image(units: string[], files: Record<string, string> = {}): string {
  const root = makeRoot(files);
  mkdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  for (const unit of units) symlinkSync(`/lib/systemd/system/${unit}`, join(root, 'etc/systemd/system/multi-user.target.wants', unit));
  return root;
}

test('network-files: an image that ships files mdctl rendered fails, naming them; others\' files pass', async () => {
  assert.equal((await checkNetworkFiles(image([], { 'etc/systemd/network/99-default.network': '[Match]\nName=*\n' }))).status, 'pass');
  const shipped = await checkNetworkFiles(image([], { 'etc/NetworkManager/system-connections/mdctl-tap0.nmconnection': `${MARKER}\n[connection]\n` }));
  assert.deepEqual(shipped, fail('network-files', 'the image ships network files mdctl rendered for an instance: /etc/NetworkManager/system-connections/mdctl-tap0.nmconnection; remove them'));
});

test('network-render: renders for the manager the image enables, into a scratch copy; the image is untouched', async () => {
  const root = image(['NetworkManager.service']);
  const before = snapshot(root);
  const result = await checkNetworkRender(withNetwork(seedStatic()), root, 'auto', NETWORK_DATA_OK);
  assert.deepEqual(result, pass('network-render', `networkmanager (NetworkManager.service is enabled in the image): "/etc/NetworkManager/system-connections/mdctl-tapc8c3f2f8-5e.nmconnection"`));
  assert.deepEqual(snapshot(root), before);
  const set = await checkNetworkRender(withNetwork(seedStatic()), root, 'networkd', NETWORK_DATA_OK);
  assert.match(set.message, /^networkd \(set in the config file\): .*10-mdctl-tapc8c3f2f8-5e\.network"$/);
});

test('network-render: a file of the image at mdctl\'s name fails; no manager warns; bad network data is network-data\'s', async () => {
  const taken = image(['systemd-networkd.service'], { 'etc/systemd/network/10-mdctl-tapc8c3f2f8-5e.network': '[Match]\nName=eth0\n' });
  const conflict = await checkNetworkRender(withNetwork(seedStatic()), taken, 'auto', NETWORK_DATA_OK);
  assert.equal(conflict.status, 'fail');
  assert.match(conflict.message, new RegExp(`^"${taken}/etc/systemd/network/10-mdctl-tapc8c3f2f8-5e\\.network" is not mdctl's \\(no marker line\\)`));
  const neither = await checkNetworkRender(withNetwork(seedStatic()), image([]), 'auto', NETWORK_DATA_OK);
  assert.equal(neither.status, 'warn');
  assert.match(neither.message, /^no files rendered: neither NetworkManager\.service nor systemd-networkd\.service is enabled in the image/);
  assert.equal((await checkNetworkRender(withNetwork(seedStatic()), image([]), 'auto', fail('network-data', 'bad'))).status, 'skip');
  assert.equal((await checkNetworkRender(withNetwork(null), image([]), 'auto', NETWORK_DATA_OK)).status, 'pass');
});

test('network-render warns about a catch-all .network that sorts before mdctl\'s files; later or specific ones are fine', async () => {
  const early = image(['systemd-networkd.service'], { 'usr/lib/systemd/network/05-all.network': '[Match]\nName=e*\n\n[Network]\nDHCP=yes\n', 'etc/systemd/network/99-default.network': '[Match]\nName=*\n' });
  const result = await checkNetworkRender(withNetwork(seedStatic()), early, 'auto', NETWORK_DATA_OK);
  assert.deepEqual(result, { id: 'network-render', status: 'warn', message: "/usr/lib/systemd/network/05-all.network sort before mdctl's files and match every device: networkd would apply them instead" });
  assert.equal(matchesEveryDevice('[Network]\nDHCP=yes\n'), true);
  assert.equal(matchesEveryDevice('[Match]\nType=ether\n'), true);
  assert.equal(matchesEveryDevice('[Match]\nName=eth0\n'), false);
  assert.equal(matchesEveryDevice('[Match]\nName=en*\nMACAddress=52:54:00:00:00:01\n'), false);
  assert.equal(matchesEveryDevice('[Match]\n# Name=eth0\nName=*\n'), true);
});

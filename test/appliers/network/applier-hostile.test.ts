// The network applier against hostile roots: symlinks in its directories are never followed, big files of mdctl's name shape are not mdctl's.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NO_ADDRESSES, networkApplier } from '../../../src/appliers/network/applier.js';
import { applyPlanned, planAppliers, type ApplierRun } from '../../../src/appliers/runner.js';
import { seedStatic } from '../../model/network-samples.js';
import { doc, makeRoot, removeRoots, snapshot } from '../root.js';

after(removeRoots);

async function runNetwork(root: string): Promise<ApplierRun> {
  const document = doc({ openstack: { meta_data: {}, network_data: seedStatic(), vendor_data: null, vendor_data2: null } });
  const [run] = await planAppliers([networkApplier({ renderer: 'networkd', addresses: NO_ADDRESSES })], document, { root, live: false, dryRun: false, user: undefined }, {});
  assert.ok(run !== undefined);
  await applyPlanned([run]);
  return run;
}

test('a network directory that is a symlink out of the root is refused; nothing is written through it', async () => {
  const root = makeRoot();
  const outside = makeRoot();
  mkdirSync(join(root, 'etc/systemd'), { recursive: true });
  symlinkSync(outside, join(root, 'etc/systemd/network'));
  const run = await runNetwork(root);
  assert.equal(run.errors.length, 1);
  assert.match(run.errors[0] ?? '', /is a symbolic link/);
  assert.ok(!(run.errors[0] ?? '').includes('\n'));
  assert.deepEqual(readdirSync(outside), []);
});

test('a symlink at the name of mdctl\'s file is refused and its target untouched', async () => {
  const root = makeRoot();
  const outside = makeRoot({ 'target.network': 'theirs\n' });
  mkdirSync(join(root, 'etc/systemd/network'), { recursive: true });
  symlinkSync(join(outside, 'target.network'), join(root, 'etc/systemd/network/10-mdctl-tapc8c3f2f8-5e.network'));
  const before = snapshot(outside);
  const run = await runNetwork(root);
  assert.match(run.errors.join('\n'), /10-mdctl-tapc8c3f2f8-5e\.network.*symbolic link/);
  assert.deepEqual(snapshot(outside), before);
  assert.equal(readFileSync(join(outside, 'target.network'), 'utf8'), 'theirs\n');
});

test('a big file of mdctl\'s name shape is not mdctl\'s: kept, and the run goes on', async () => {
  const root = makeRoot();
  mkdirSync(join(root, 'etc/systemd/network'), { recursive: true });
  const big = join(root, 'etc/systemd/network/10-mdctl-big.network');
  writeFileSync(big, Buffer.alloc(200 * 1024, 0x23));
  const run = await runNetwork(root);
  assert.deepEqual(run.errors, []);
  assert.deepEqual(readdirSync(join(root, 'etc/systemd/network')).sort(), ['10-mdctl-big.network', '10-mdctl-tapc8c3f2f8-5e.network']);
  assert.equal(readFileSync(big).length, 200 * 1024);
});

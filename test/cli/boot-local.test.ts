// `mdctl boot --local` through the CLI with a drive directory: only the network and routes appliers, the cache, never the network.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { seedStaticTree } from '../helpers/drive.js';

const work = mkdtempSync(join(tmpdir(), 'mdctl-boot-local-'));
after(() => rmSync(work, { recursive: true, force: true }));
const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CONFIG: undefined };

test('boot --local --source configdrive:DIR: caches the drive and plans only network and routes', async () => {
  const root = join(work, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  const cache = join(work, 'cache');
  const drive = seedStaticTree(join(work, 'drive'));
  const args = ['boot', '--local', '--source', `configdrive:${drive}`, '--root', root, '--no-live', '--cache-dir', cache, '--state-dir', join(work, 'state'), '--json'];
  const result = await runCli(args, { env: ENV });
  assert.equal(result.status, 0, result.stderr);
  const plan = JSON.parse(result.stdout) as { appliers: { id: string }[] };
  assert.deepEqual(plan.appliers.map((applier) => applier.id), ['network', 'routes']);
  const cached = JSON.parse(readFileSync(join(cache, 'instance.json'), 'utf8')) as { instance_id: string; source: { kind: string } };
  assert.deepEqual([cached.instance_id, cached.source.kind], ['795fed3a-431a-4b89-bd80-ffac22196e72', 'configdrive']);
  assert.equal(existsSync(join(root, 'etc/hostname')), false);
});

test('boot --local never goes to the network: --source openstack is exit 2, one line', async () => {
  const result = await runCli(['boot', '--local', '--source', 'openstack', '--cache-dir', join(work, 'c2'), '--state-dir', join(work, 's2'), '--dry-run'], { env: ENV });
  assert.equal(result.status, 2);
  assert.equal(result.stderr, 'mdctl: --source "openstack": the local stage reads only the config drive (auto or configdrive[:DIR])\n');
});

// The hostname applier on a temp root: /etc/hostname, one managed /etc/hosts line, the running name, refusals.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hostnameApplier } from '../../src/appliers/hostname.js';
import { applyPlanned, planAppliers } from '../../src/appliers/runner.js';
import type { HostnameSetter } from '../../src/system/hostname.js';
import { context, doc, makeRoot, removeRoots, snapshot } from './root.js';

after(removeRoots);

const DEBIAN_HOSTS = '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\n';

function fakeSetter(name = 'localhost'): HostnameSetter & { names: string[] } {
  const names: string[] = [];
  let current = name;
  return {
    names,
    current: () => current,
    async set(next) {
      names.push(next);
      current = next;
    },
  };
}

async function run(root: string, hostname: string | null, options: { live?: boolean; setter?: HostnameSetter; dryRun?: boolean } = {}) {
  const setter = options.setter ?? fakeSetter();
  const [result] = await planAppliers([hostnameApplier(setter)], doc({ hostname }), { root, live: options.live ?? false, dryRun: options.dryRun ?? false, user: undefined }, {});
  await applyPlanned(result === undefined ? [] : [result]);
  return result!;
}

test('plan: /etc/hostname gets the short name, /etc/hosts one managed line; not live, the running name (the build machine\'s) is no part of the plan', async () => {
  const root = makeRoot({ 'etc/hosts': DEBIAN_HOSTS });
  const before = snapshot(root);
  const changes = await hostnameApplier(fakeSetter()).plan(doc(), context(root));
  assert.deepEqual(snapshot(root), before, 'plan never writes');
  assert.deepEqual(
    changes.map((change) => [change.target.replace(root, ''), change.action, change.skipped ?? '']),
    [
      ['/etc/hostname', 'create', ''],
      ['/etc/hosts', 'update', ''],
    ],
  );
  assert.equal(changes[1]?.after, '127.0.1.1\tdvr3-demo12.novalocal dvr3-demo12\t# managed by mdctl');
});

test('apply writes the files; other hosts lines stay byte for byte; a second run is all noops and writes nothing', async () => {
  const root = makeRoot({ 'etc/hosts': DEBIAN_HOSTS });
  const first = await run(root, 'dvr3-demo12.novalocal');
  assert.deepEqual(first.errors, []);
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  assert.equal(
    readFileSync(join(root, 'etc/hosts'), 'utf8'),
    '127.0.0.1\tlocalhost\n127.0.1.1\tdvr3-demo12.novalocal dvr3-demo12\t# managed by mdctl\n127.0.1.1\tdebian\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\n',
  );
  const written = snapshot(root);
  const second = await run(root, 'dvr3-demo12.novalocal');
  assert.deepEqual(
    second.changes.filter((change) => change.action !== 'noop' && change.skipped === undefined),
    [],
  );
  assert.deepEqual(snapshot(root), written, 'mtimes and bytes unchanged');
});

test('a new name updates the managed line in place and drops extra managed lines', async () => {
  const hosts = 'a\n127.0.1.1\told.example old\t# managed by mdctl\nb \xff\n127.0.1.1 older # managed by mdctl\n';
  const other = makeRoot({ 'etc/hosts': '' });
  writeFileSync(join(other, 'etc/hosts'), Buffer.from(hosts, 'latin1'));
  await run(other, 'New_Name');
  assert.equal(readFileSync(join(other, 'etc/hosts')).toString('latin1'), 'a\n127.0.1.1\tnew-name\t# managed by mdctl\nb \xff\n');
  assert.equal(readFileSync(join(other, 'etc/hostname'), 'utf8'), 'new-name\n');
});

test('a root without /etc gets it, with both files', async () => {
  const root = makeRoot();
  await run(root, 'web1.example.com');
  assert.equal(readFileSync(join(root, 'etc/hosts'), 'utf8'), '127.0.1.1\tweb1.example.com web1\t# managed by mdctl\n');
});

test('live: the running hostname is set to the short name, once', async () => {
  const root = makeRoot();
  const setter = fakeSetter('localhost');
  await run(root, 'dvr3-demo12.novalocal', { live: true, setter });
  await run(root, 'dvr3-demo12.novalocal', { live: true, setter });
  assert.deepEqual(setter.names, ['dvr3-demo12']);
});

test('dry run writes nothing and sets nothing', async () => {
  const root = makeRoot({ 'etc/hosts': DEBIAN_HOSTS });
  const before = snapshot(root);
  const setter = fakeSetter();
  const result = await run(root, 'web1', { live: true, setter, dryRun: true });
  assert.deepEqual(
    result.results.map((r) => r.status),
    ['dry-run', 'dry-run', 'dry-run'],
  );
  assert.deepEqual(snapshot(root), before);
  assert.deepEqual(setter.names, []);
});

test('a refused name fails the applier naming the value; nothing is written', async () => {
  for (const bad of ['a;rm -rf /', 'host\nname', 'x'.repeat(300), '$(reboot)']) {
    const root = makeRoot({ 'etc/hosts': DEBIAN_HOSTS, 'etc/hostname': 'debian\n' });
    const before = snapshot(root);
    const setter = fakeSetter();
    const result = await run(root, bad, { live: true, setter });
    assert.equal(result.errors.length, 1);
    assert.ok(result.errors[0]?.startsWith(`hostname ${JSON.stringify(bad.slice(0, 80)).slice(0, 20)}`), result.errors[0]);
    assert.deepEqual(result.changes, []);
    assert.deepEqual(snapshot(root), before);
    assert.deepEqual(setter.names, []);
  }
});

test('no hostname in the metadata: a warning and nothing to do', async () => {
  const root = makeRoot();
  const result = await run(root, null);
  assert.deepEqual(result.changes, []);
  assert.equal(result.warnings.length, 1);
});

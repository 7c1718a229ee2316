// The hostname applier against careless images: /etc/hosts as a symlink, unmanaged 127.0.1.1 lines, no final newline, CRLF, an edited managed line, no /etc/hostname.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hostnameApplier } from '../../src/appliers/hostname.js';
import { applyPlanned, planAppliers, type ApplierRun } from '../../src/appliers/runner.js';
import type { HostnameSetter } from '../../src/system/hostname.js';
import { doc, makeRoot, removeRoots, snapshot } from './root.js';

after(removeRoots);

function setter(): HostnameSetter & { names: string[] } {
  const names: string[] = [];
  return { names, current: () => 'old', set: async (name) => void names.push(name) };
}

async function run(root: string, hostname: string, live = false, using = setter()): Promise<ApplierRun> {
  const [result] = await planAppliers([hostnameApplier(using)], doc({ hostname }), { root, live, dryRun: false, user: undefined }, {});
  await applyPlanned([result!]);
  return result!;
}

const hosts = (root: string): string => readFileSync(join(root, 'etc/hosts'), 'latin1');

test('an /etc/hosts that is a symlink fails the applier; nothing is written and the running name is not set', async () => {
  const root = makeRoot({ 'etc/hosts.real': '127.0.0.1 localhost\n' });
  symlinkSync('hosts.real', join(root, 'etc/hosts'));
  const before = snapshot(root);
  const using = setter();
  const result = await run(root, 'web1.example.com', true, using);
  assert.match(result.errors[0] ?? '', /etc\/hosts.*symbolic link/);
  assert.deepEqual(snapshot(root), before);
  assert.deepEqual(using.names, []);
});

test('unmanaged 127.0.1.1 lines are kept; the managed line goes before the first so it wins lookups', async () => {
  const root = makeRoot({ 'etc/hosts': '127.0.0.1 localhost\n127.0.1.1 debian\n127.0.1.1 other\n' });
  await run(root, 'web1.example.com');
  assert.equal(hosts(root), '127.0.0.1 localhost\n127.0.1.1\tweb1.example.com web1\t# managed by mdctl\n127.0.1.1 debian\n127.0.1.1 other\n');
  const second = await run(root, 'web1.example.com');
  assert.deepEqual(
    second.changes.map((change) => change.action),
    ['noop', 'noop'],
  );
});

test('no final newline, CRLF lines and invalid UTF-8 elsewhere survive byte for byte', async () => {
  const original = Buffer.concat([Buffer.from('127.0.0.1 localhost\r\n# caf'), Buffer.from([0xe9]), Buffer.from('\r\n::1 localhost')]);
  const root = makeRoot({ 'etc/placeholder': '' });
  writeFileSync(join(root, 'etc/hosts'), original);
  await run(root, 'web1');
  const text = hosts(root);
  assert.equal(text, `127.0.0.1 localhost\r\n127.0.1.1\tweb1\t# managed by mdctl\n# caf\u00e9\r\n::1 localhost`);
});

test('a managed line the admin edited is put back; a duplicate managed line is dropped', async () => {
  const root = makeRoot({ 'etc/hosts': '127.0.0.1 localhost\n127.0.1.1 mine.local mine # managed by mdctl\nx\n127.0.1.1\tweb1\t# managed by mdctl\n' });
  await run(root, 'web1');
  assert.equal(hosts(root), '127.0.0.1 localhost\n127.0.1.1\tweb1\t# managed by mdctl\nx\n');
});

test('a missing /etc/hostname (and /etc) is created 0644; a hostname file that is a directory fails the applier with nothing written', async () => {
  const root = makeRoot();
  const result = await run(root, 'web1');
  assert.deepEqual(result.errors, []);
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'web1\n');
  const other = makeRoot({ 'etc/hosts': '127.0.0.1 localhost\n' });
  mkdirSync(join(other, 'etc/hostname'));
  const before = snapshot(other);
  const failed = await run(other, 'web1');
  assert.match(failed.errors[0] ?? '', /hostname.*not a regular file/);
  assert.deepEqual(snapshot(other), before);
});

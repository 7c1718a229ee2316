// The write-files applier on temp roots: modes, owners, append once per instance, noops, symlink and escape refusals, bad user-data.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyPlanned, planAppliers, rememberedState } from '../../src/appliers/runner.js';
import { writeFilesApplier } from '../../src/appliers/write-files.js';
import type { Instance } from '../../src/core/instance.js';
import { PASSWD, doc, makeRoot, removeRoots, snapshot } from './root.js';

after(removeRoots);

const GROUP = 'root:x:0:\nstaff:x:50:alice\nalice:x:1000:\n';

function cloudConfig(yaml: string, overrides: Partial<Instance> = {}): Instance {
  return doc({ user_data: `#cloud-config\n${yaml}`, ...overrides });
}

async function run(root: string, document: Instance, previous: Record<string, unknown> = {}, dryRun = false) {
  const runs = await planAppliers([writeFilesApplier()], document, { root, live: false, dryRun, user: undefined }, previous);
  await applyPlanned(runs);
  return { run: runs[0]!, state: rememberedState(runs, previous) };
}

test('writes files with content, mode and owner from the root\'s passwd and group; parents are made; a second run is all noops', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/group': GROUP });
  const document = cloudConfig(
    [
      'write_files:',
      '  - {path: /etc/app/config.ini, content: "a = 1\\n", permissions: "0640", owner: "alice:staff"}',
      '  - {path: /etc/motd, encoding: b64, content: aGVsbG8K}',
      '  - {path: /home/alice/note, content: hi, owner: alice}',
    ].join('\n'),
  );
  const first = await run(root, document);
  assert.deepEqual(first.run.errors, []);
  assert.deepEqual(first.run.results.map((result) => [result.change.target.slice(root.length), result.change.action, result.status]), [
    ['/etc/app/config.ini', 'create', 'applied'],
    ['/etc/motd', 'create', 'applied'],
    ['/home/alice/note', 'create', 'applied'],
  ]);
  const config = lstatSync(join(root, 'etc/app/config.ini'));
  assert.equal(readFileSync(join(root, 'etc/app/config.ini'), 'utf8'), 'a = 1\n');
  assert.deepEqual([config.mode & 0o7777, config.uid, config.gid], [0o640, 1000, 50]);
  const motd = lstatSync(join(root, 'etc/motd'));
  assert.deepEqual([readFileSync(join(root, 'etc/motd'), 'utf8'), motd.mode & 0o7777, motd.uid, motd.gid], ['hello\n', 0o644, 0, 0]);
  const note = lstatSync(join(root, 'home/alice/note'));
  assert.deepEqual([note.uid, note.gid], [1000, 1000], 'a user alone gets its primary group');
  assert.deepEqual(
    (first.state['write-files'] as { files: { path: string }[] }).files.map((file) => file.path),
    ['/etc/app/config.ini', '/etc/motd', '/home/alice/note'],
  );

  const written = snapshot(root);
  const second = await run(root, document, first.state);
  assert.deepEqual(second.run.changes.map((change) => change.action), ['noop', 'noop', 'noop']);
  assert.deepEqual(snapshot(root), written, 'nothing written, mtimes unchanged');
});

test('a changed mode or content is an update; a dry run writes nothing', async () => {
  const root = makeRoot({ 'etc/motd': 'old\n' });
  const before = snapshot(root);
  const dry = await run(root, cloudConfig('write_files: [{path: /etc/motd, content: new}]\n'), {}, true);
  assert.deepEqual(dry.run.results.map((result) => [result.change.action, result.status]), [['update', 'dry-run']]);
  assert.deepEqual(snapshot(root), before);
  await run(root, cloudConfig('write_files: [{path: /etc/motd, content: "old\\n", permissions: "0600"}]\n'));
  assert.equal(lstatSync(join(root, 'etc/motd')).mode & 0o7777, 0o600);
});

test('append adds the content once per instance; a new instance appends again', async () => {
  const root = makeRoot({ 'etc/hosts.allow': 'ALL: LOCAL\n' });
  const document = cloudConfig('write_files: [{path: /etc/hosts.allow, content: "sshd: 10.0.0.0/8\\n", append: true}]\n');
  const first = await run(root, document);
  assert.deepEqual(first.run.errors, []);
  assert.equal(readFileSync(join(root, 'etc/hosts.allow'), 'utf8'), 'ALL: LOCAL\nsshd: 10.0.0.0/8\n');
  const second = await run(root, document, first.state);
  assert.deepEqual(second.run.changes.map((change) => [change.action, change.summary]), [['noop', 'already appended for this instance']]);
  assert.equal(readFileSync(join(root, 'etc/hosts.allow'), 'utf8'), 'ALL: LOCAL\nsshd: 10.0.0.0/8\n');
  assert.deepEqual(second.state, first.state);
  await run(root, { ...document, instance_id: 'another-instance' }, {});
  assert.equal(readFileSync(join(root, 'etc/hosts.allow'), 'utf8'), 'ALL: LOCAL\nsshd: 10.0.0.0/8\nsshd: 10.0.0.0/8\n');
});

test('a symlinked file or parent, a path escaping the root, a directory and an unknown owner are refused alone; files stay byte-identical', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'outside/target': 'precious\n', 'etc/real/file': 'x\n' });
  symlinkSync(join(root, 'outside/target'), join(root, 'etc/link'));
  symlinkSync(join(root, 'outside'), join(root, 'etc/linkdir'));
  mkdirSync(join(root, 'etc/adir'));
  const before = snapshot(root);
  const document = cloudConfig(
    [
      'write_files:',
      '  - {path: /etc/link, content: evil}',
      '  - {path: /etc/linkdir/target, content: evil}',
      '  - {path: /../outside/target, content: evil}',
      '  - {path: /etc/adir, content: evil}',
      '  - {path: /etc/owned, content: x, owner: mallory}',
      '  - {path: /etc/grouped, content: x, owner: "root:nogroup"}',
      '  - {path: /etc/ok, content: fine}',
    ].join('\n'),
  );
  const { run: result } = await run(root, document);
  assert.deepEqual(
    result.errors.map((error) => error.replaceAll(root, 'ROOT')),
    [
      'write_files[2]: path "/../outside/target": ".." is not allowed; not written',
      'write_files[0] "/etc/link": refusing "ROOT/etc/link": "ROOT/etc/link" is a symbolic link; not written',
      'write_files[1] "/etc/linkdir/target": refusing "ROOT/etc/linkdir/target": "ROOT/etc/linkdir" is a symbolic link; not written',
      'write_files[3] "/etc/adir": refusing "ROOT/etc/adir": not a regular file; not written',
      'write_files[4] "/etc/owned": user "mallory" not found in "ROOT/etc/passwd"; not written',
      'write_files[5] "/etc/grouped": group "nogroup" not found in "ROOT/etc/group"; not written',
    ],
  );
  assert.equal(readFileSync(join(root, 'etc/ok'), 'utf8'), 'fine');
  const after = snapshot(root);
  delete after['/etc/ok'];
  assert.deepEqual(after, { ...before, '/etc': after['/etc']! });
  assert.equal(readFileSync(join(root, 'outside/target'), 'utf8'), 'precious\n');
});

test('malformed user-data fails the applier with the reason and writes nothing; no cloud-config plans nothing', async () => {
  const root = makeRoot();
  const before = snapshot(root);
  const { run: bad } = await run(root, cloudConfig('write_files: [{path: /etc/x, content: y}\n'));
  assert.deepEqual(bad.changes, []);
  assert.match(bad.errors[0] ?? '', /^user-data refused: part 0 \(cloud-config\): malformed YAML: /);
  assert.deepEqual(snapshot(root), before);
  const { run: script } = await run(root, doc({ user_data: '#!/bin/sh\necho\n' }));
  assert.deepEqual([script.changes, script.errors], [[], []]);
});

test('permissions 0o644 and 0o600 give those modes on disk; a bare 644 fails that entry alone, nothing written for it', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/group': GROUP });
  const document = cloudConfig(
    ['write_files:', '  - {path: /etc/a, content: a, permissions: 0o644}', '  - {path: /etc/b, content: b, permissions: 0o600}', '  - {path: /etc/c, content: c, permissions: 644}'].join('\n'),
  );
  const { run: result } = await run(root, document);
  assert.deepEqual([lstatSync(join(root, 'etc/a')).mode & 0o7777, lstatSync(join(root, 'etc/b')).mode & 0o7777], [0o644, 0o600]);
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0] ?? '', /write_files\[2\]: permissions 644 is ambiguous/);
  assert.throws(() => lstatSync(join(root, 'etc/c')), { code: 'ENOENT' });
});

test('an append recorded as started (the run was killed around it) is made again only when the file does not hold its result', async () => {
  const content = 'sshd: 10.0.0.0/8\n';
  const document = cloudConfig(`write_files: [{path: /etc/hosts.allow, content: ${JSON.stringify(content)}, append: true}]\n`);
  const probe = makeRoot({ 'etc/hosts.allow': 'ALL: LOCAL\n' });
  const [planned] = await planAppliers([writeFilesApplier()], document, { root: probe, live: false, dryRun: false, user: undefined }, {});
  const started = writeFilesApplier().remember?.([{ change: planned!.changes[0]!, status: 'started' }], planned!.ctx) as { files: { pending?: true; result?: string }[] };
  assert.equal(started.files[0]?.pending, true);
  const previous = { 'write-files': started };

  const done = makeRoot({ 'etc/hosts.allow': `ALL: LOCAL\n${content}` });
  const killedAfter = await run(done, document, previous);
  assert.deepEqual(killedAfter.run.changes.map((change) => [change.action, change.summary]), [['noop', 'already appended for this instance (by a run cut short)']]);
  assert.equal(readFileSync(join(done, 'etc/hosts.allow'), 'utf8'), `ALL: LOCAL\n${content}`);
  assert.equal((killedAfter.state['write-files'] as { files: { pending?: true }[] }).files[0]?.pending, undefined, 'recorded as done');

  const notDone = makeRoot({ 'etc/hosts.allow': 'ALL: LOCAL\n' });
  const killedBefore = await run(notDone, document, previous);
  assert.deepEqual(killedBefore.run.changes.map((change) => change.action), ['update']);
  assert.equal(readFileSync(join(notDone, 'etc/hosts.allow'), 'utf8'), `ALL: LOCAL\n${content}`);
  const again = await run(notDone, document, killedBefore.state);
  assert.deepEqual(again.run.changes.map((change) => change.action), ['noop']);
});

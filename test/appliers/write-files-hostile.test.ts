// The write-files applier against hostile paths and owners: hard links on append, "..", links, unknown owners, setuid modes, shadow-like paths.
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyPlanned, planAppliers, type ApplierRun } from '../../src/appliers/runner.js';
import { writeFilesApplier } from '../../src/appliers/write-files.js';
import { PASSWD, doc, makeRoot, removeRoots, snapshot } from './root.js';

after(removeRoots);

async function run(root: string, cloudConfig: string): Promise<ApplierRun> {
  const [result] = await planAppliers([writeFilesApplier()], doc({ user_data: `#cloud-config\n${cloudConfig}` }), { root, live: false, dryRun: false, user: undefined }, {});
  await applyPlanned([result!]);
  return result!;
}

function imageRoot(): string {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/group': 'root:x:0:\nalice:x:1000:\n', 'etc/shadow': 'root:$6$secret:19000:0:99999:7:::\n' });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  return root;
}

test('append onto a hard link to another file (etc/shadow) is refused; the shadow bytes are never copied', async () => {
  const root = imageRoot();
  linkSync(join(root, 'etc/shadow'), join(root, 'home/alice/notes'));
  const before = snapshot(root);
  const result = await run(root, 'write_files:\n  - path: /home/alice/notes\n    content: "x\\n"\n    append: true\n    owner: alice:alice\n');
  assert.match(result.errors[0] ?? '', /write_files\[0\].*2 hard links/);
  assert.deepEqual(snapshot(root), before);
});

test('a path with "..", a path through a symlink, an unknown owner are refused alone; the others are written', async () => {
  const root = imageRoot();
  symlinkSync(join(root, 'etc'), join(root, 'home/alice/etc'));
  const result = await run(
    root,
    [
      'write_files:',
      '  - path: /tmp/../etc/x',
      '    content: a',
      '  - path: /home/alice/etc/shadow',
      '    content: b',
      '  - path: /srv/c',
      '    content: c',
      '    owner: mallory',
      '  - path: /srv/ok',
      '    content: ok',
      '',
    ].join('\n'),
  );
  assert.equal(result.errors.length, 3);
  assert.match(result.errors[0] ?? '', /"\.\." is not allowed/);
  assert.match(result.errors[1] ?? '', /symbolic link/);
  assert.match(result.errors[2] ?? '', /user "mallory" not found/);
  assert.equal(readFileSync(join(root, 'etc/shadow'), 'utf8'), 'root:$6$secret:19000:0:99999:7:::\n');
  assert.equal(readFileSync(join(root, 'srv/ok'), 'utf8'), 'ok');
});

test('like cloud-init, a setuid mode and a path such as /etc/sudoers.d are written as asked: user-data comes from the instance owner', async () => {
  const root = imageRoot();
  const result = await run(root, 'write_files:\n  - path: /usr/local/bin/tool\n    content: "#!/bin/sh\\n"\n    permissions: "04755"\n  - path: /etc/sudoers.d/alice\n    content: "alice ALL=(ALL) NOPASSWD:ALL\\n"\n    permissions: "0440"\n');
  assert.deepEqual(result.errors, []);
  assert.equal(statSync(join(root, 'usr/local/bin/tool')).mode & 0o7777, 0o4755);
  assert.equal(statSync(join(root, 'etc/sudoers.d/alice')).mode & 0o7777, 0o440);
});

// passwd and group parsing, login users, and the reader under a root.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isLoginUser, parseGroup, parsePasswd, readGroup, readPasswd } from '../../src/system/passwd.js';
import { PASSWD, makeRoot, removeRoots } from '../appliers/root.js';

after(removeRoots);

test('passwd lines parse; malformed ones are skipped', () => {
  const entries = parsePasswd(`${PASSWD}# comment\nbroken:x:1\nneg:x:-1:0::/h:/bin/sh\nrel:x:5:5::home:/bin/sh\n`);
  assert.deepEqual(
    entries.map((entry) => entry.name),
    ['root', 'daemon', 'nobody', 'svc', 'alice', 'bob'],
  );
  assert.deepEqual(entries[4], { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/bash' });
});

test('login users have uid >= 1000, are not nobody, and have a real shell', () => {
  const byName = new Map(parsePasswd(PASSWD).map((entry) => [entry.name, isLoginUser(entry)]));
  assert.deepEqual(Object.fromEntries(byName), { root: false, daemon: false, nobody: false, svc: false, alice: true, bob: true });
});

test('group lines parse with their members', () => {
  assert.deepEqual(parseGroup('sudo:x:27:alice,bob\nusers:x:100:\nbad\n'), [
    { name: 'sudo', gid: 27, members: ['alice', 'bob'] },
    { name: 'users', gid: 100, members: [] },
  ]);
});

test('the readers look under the root', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/group': 'alice:x:1000:\n' });
  assert.equal((await readPasswd(root)).length, 6);
  assert.equal((await readGroup(root))[0]?.name, 'alice');
  const empty = makeRoot();
  await assert.rejects(readPasswd(empty), (error: Error & { code?: string }) => error.code === 'ERR_IO');
  assert.deepEqual(await readGroup(empty), []);
});

// The ssh-keys applier on a temp root: user choice, the marked block, permissions, refusals with nothing written.
import assert from 'node:assert/strict';
import { chmodSync, lchownSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BLOCK_BEGIN, BLOCK_END } from '../../src/appliers/key-block.js';
import { resolveKeyUser, sshKeysApplier } from '../../src/appliers/ssh-keys.js';
import { KEYS } from './keys.js';
import { keys, run } from './ssh-keys-run.js';
import { PASSWD, context, doc, makeRoot, removeRoots, snapshot } from './root.js';

after(removeRoots);

const OWN_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g alice@laptop';

function imageRoot(files: Record<string, string> = {}): string {
  const root = makeRoot({ 'etc/passwd': PASSWD, ...files });
  for (const home of ['home/alice', 'home/bob', 'root']) mkdirSync(join(root, home), { recursive: true });
  return root;
}

const authorized = (root: string, home = 'home/alice'): string => readFileSync(join(root, home, '.ssh/authorized_keys'), 'utf8');

test('the key user: --user, else the first login user, else root', async () => {
  const root = imageRoot();
  assert.equal((await resolveKeyUser(root, undefined)).name, 'alice');
  assert.equal((await resolveKeyUser(root, 'bob')).name, 'bob');
  await assert.rejects(resolveKeyUser(root, 'mallory'), /user "mallory" not found/);
  const bare = makeRoot({ 'etc/passwd': 'root:x:0:0::/root:/bin/bash\nsvc:x:1001:1001::/srv:/usr/sbin/nologin\n' });
  assert.equal((await resolveKeyUser(bare, undefined)).home, '/root');
});

test('plan on a fresh home: create ~/.ssh and authorized_keys; nothing written by plan', async () => {
  const root = imageRoot();
  const before = snapshot(root);
  const changes = await sshKeysApplier().plan(doc({ public_keys: keys(KEYS.rsa) }), context(root));
  assert.deepEqual(snapshot(root), before);
  assert.deepEqual(
    changes.map((change) => [change.target.replace(root, ''), change.action]),
    [
      ['/home/alice/.ssh', 'create'],
      ['/home/alice/.ssh/authorized_keys', 'create'],
    ],
  );
  assert.match(changes[1]?.after ?? '', /^ssh-rsa SHA256:oo8BX0H768WiKMLm14xvFbKAXooxKs6RGo7piNSutqU test-rsab2048@mdctl$/);
});

test('apply: ~/.ssh 0700 and authorized_keys 0600 owned by the user, keys in the block', async () => {
  const root = imageRoot();
  const result = await run(root, keys(`${KEYS.rsa}\n${KEYS.ed25519}\n`));
  assert.deepEqual(result.errors, []);
  assert.equal(authorized(root), `${BLOCK_BEGIN}\n${KEYS.rsa}\n${KEYS.ed25519}\n${BLOCK_END}\n`);
  const dir = statSync(join(root, 'home/alice/.ssh'));
  const file = statSync(join(root, 'home/alice/.ssh/authorized_keys'));
  assert.deepEqual([dir.mode & 0o7777, dir.uid, dir.gid], [0o700, 1000, 1000]);
  assert.deepEqual([file.mode & 0o7777, file.uid, file.gid], [0o600, 1000, 1000]);
});

test("the user's own lines stay byte for byte; a second run writes nothing; removal gives back the original bytes", async () => {
  const original = `# my keys\n${OWN_KEY}\n\nno-final-newline`;
  const root = imageRoot({ 'home/alice/.ssh/authorized_keys': original });
  await run(root, keys(KEYS.rsa, KEYS.ecdsa256));
  assert.equal(authorized(root), `${BLOCK_BEGIN}\n${KEYS.rsa}\n${KEYS.ecdsa256}\n${BLOCK_END}\n${original}`);
  const written = snapshot(root);
  const second = await run(root, keys(KEYS.rsa, KEYS.ecdsa256));
  assert.deepEqual(
    second.changes.map((change) => change.action),
    ['noop'],
  );
  assert.deepEqual(snapshot(root), written, 'mtimes unchanged');
  await run(root, keys(KEYS.ecdsa256));
  assert.equal(authorized(root), `${BLOCK_BEGIN}\n${KEYS.ecdsa256}\n${BLOCK_END}\n${original}`);
  await run(root, []);
  assert.equal(authorized(root), original);
});

test('no block and no keys: nothing is written', async () => {
  const root = imageRoot({ 'home/alice/.ssh/authorized_keys': `${OWN_KEY}\n` });
  const before = snapshot(root);
  const result = await run(root, []);
  assert.deepEqual(
    result.changes.map((change) => change.action),
    ['noop'],
  );
  assert.deepEqual(snapshot(root), before);
  const empty = imageRoot();
  const emptyBefore = snapshot(empty);
  await run(empty, []);
  assert.deepEqual(snapshot(empty), emptyBefore);
});

test('bad key lines are refused by name; the good ones are applied', async () => {
  const root = imageRoot();
  const result = await run(root, [
    { name: 'mixed', type: 'ssh', data: `${KEYS.rsa}\ncommand="/bin/sh" ${KEYS.ed25519}\n${KEYS.ecdsa384}` },
    { name: 'broken', type: 'ssh', data: `ssh-rsa ${KEYS.ed25519.split(' ')[1]}` },
  ]);
  assert.equal(result.errors.length, 2);
  assert.match(result.errors[0] ?? '', /options before the key type.*"mixed"/);
  assert.match(result.errors[1] ?? '', /not "ssh-rsa".*"broken"/);
  assert.equal(authorized(root), `${BLOCK_BEGIN}\n${KEYS.rsa}\n${KEYS.ecdsa384}\n${BLOCK_END}\n`);
});

test('--user puts the keys in that user’s home', async () => {
  const root = imageRoot();
  await run(root, keys(KEYS.ed25519), 'bob');
  assert.equal(authorized(root, 'home/bob'), `${BLOCK_BEGIN}\n${KEYS.ed25519}\n${BLOCK_END}\n`);
  assert.equal(statSync(join(root, 'home/bob/.ssh/authorized_keys')).uid, 1002);
});

test('a symlinked ~/.ssh or authorized_keys (to etc/shadow) is refused and nothing is written', async () => {
  for (const link of ['dir', 'file'] as const) {
    const root = imageRoot({ 'etc/shadow': 'root:$6$secret:19000:0:99999:7:::\n', 'etc/ssh-elsewhere/authorized_keys': 'x\n' });
    if (link === 'dir') symlinkSync(join(root, 'etc/ssh-elsewhere'), join(root, 'home/alice/.ssh'));
    else {
      mkdirSync(join(root, 'home/alice/.ssh'));
      symlinkSync(join(root, 'etc/shadow'), join(root, 'home/alice/.ssh/authorized_keys'));
    }
    const before = snapshot(root);
    const result = await run(root, keys(KEYS.rsa));
    assert.equal(result.errors.length, 1, link);
    assert.match(result.errors[0] ?? '', /is a symbolic link/);
    assert.deepEqual(snapshot(root), before, link);
  }
});

test('a home reached through a link root made (/home -> var/home) gets the keys inside the root', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD });
  mkdirSync(join(root, 'var/home/alice'), { recursive: true });
  symlinkSync('var/home', join(root, 'home'));
  const result = await run(root, keys(KEYS.ed25519));
  assert.deepEqual(result.errors, []);
  assert.equal(readFileSync(join(root, 'var/home/alice/.ssh/authorized_keys'), 'utf8'), `${BLOCK_BEGIN}\n${KEYS.ed25519}\n${BLOCK_END}\n`);
});

test('an absolute link root made is followed inside the root, never out of it', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD });
  mkdirSync(join(root, 'var/home/alice'), { recursive: true });
  symlinkSync('/var/home', join(root, 'home'));
  const result = await run(root, keys(KEYS.ed25519));
  assert.deepEqual(result.errors, []);
  assert.match(readFileSync(join(root, 'var/home/alice/.ssh/authorized_keys'), 'utf8'), /ssh-ed25519/);
});

test('a link on the way to the home that the user owns is refused and nothing is written', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/shadow': 'root:$6$secret:19000:0:99999:7:::\n' });
  mkdirSync(join(root, 'home'), { recursive: true });
  symlinkSync(join(root, 'etc'), join(root, 'home/alice'));
  lchownSync(join(root, 'home/alice'), 1001, 1001);
  const before = snapshot(root);
  const result = await run(root, keys(KEYS.rsa));
  assert.match(result.errors[0] ?? '', /symbolic link not owned by root/);
  assert.deepEqual(snapshot(root), before);
});

test('a damaged block is refused; the file is left alone', async () => {
  const root = imageRoot({ 'home/alice/.ssh/authorized_keys': `${BLOCK_BEGIN}\n${OWN_KEY}\n` });
  const before = snapshot(root);
  const result = await run(root, keys(KEYS.rsa));
  assert.match(result.errors[0] ?? '', /block is damaged/);
  assert.deepEqual(snapshot(root), before);
});

test('a missing home directory fails the applier', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD });
  const result = await run(root, keys(KEYS.rsa));
  assert.match(result.errors[0] ?? '', /home directory .* does not exist/);
});

test('wrong permissions on an unchanged file are fixed', async () => {
  const root = imageRoot();
  await run(root, keys(KEYS.rsa));
  const path = join(root, 'home/alice/.ssh/authorized_keys');
  chmodSync(path, 0o644);
  const result = await run(root, keys(KEYS.rsa));
  assert.deepEqual(
    result.changes.map((change) => [change.action, change.summary]),
    [['update', 'set mode 0600 and owner']],
  );
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

// The host-keys applier's plan: what it decides from the root, the state and what it remembered (no key is generated here).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hostKeysApplier } from '../../src/appliers/host-keys.js';
import { KEYS } from './keys.js';
import { context, doc, makeRoot, removeRoots } from './root.js';

after(removeRoots);

/** A root whose /etc/ssh holds one ed25519 key pair (the private key's text does not matter to the plan). */
function root(): string {
  return makeRoot({ 'etc/ssh/ssh_host_ed25519_key': 'private\n', 'etc/ssh/ssh_host_ed25519_key.pub': `${KEYS.ed25519}\n` });
}

test('keys this instance already has are kept, saying how they came', async () => {
  const changes = await hostKeysApplier().plan(doc(), context(root(), { previous: { since: '2026-12-01T00:00:00.000Z', how: 'generated' } }));
  assert.deepEqual(
    changes.map((change) => [change.action, change.summary]),
    [['noop', 'kept: 1 host key of this instance (generated 2026-12-01T00:00:00.000Z)']],
  );
});

test('a record that is not one the applier wrote counts as none; an instance the state dir knows keeps its keys', async () => {
  const state = makeRoot();
  mkdirSync(join(state, 'instances'));
  writeFileSync(join(state, 'instances', `${doc().instance_id}.json`), '{}');
  for (const previous of ['generated', { how: 'stolen', since: 'x' }, null, 42]) {
    const changes = await hostKeysApplier({ stateDir: state }).plan(doc(), context(root(), { previous }));
    assert.deepEqual(
      changes.map((change) => change.summary),
      ['kept: 1 host key (this instance booted before mdctl managed its host keys)'],
      JSON.stringify(previous),
    );
  }
});

test('regenerate false keeps the image keys on a first boot; without /etc/ssh there is nothing to do', async () => {
  const changes = await hostKeysApplier({ config: { types: ['ed25519'], regenerate: false } }).plan(doc(), context(root()));
  assert.deepEqual(
    changes.map((change) => change.summary),
    ["kept: the image's 1 host key (host_keys.regenerate is false)"],
  );
  assert.deepEqual(await hostKeysApplier().plan(doc(), context(makeRoot())), []);
});

test('a first boot plans the new keys before removing the other image files, then the console, skipped when not live', async () => {
  const dir = root();
  writeFileSync(join(dir, 'etc/ssh/ssh_host_ed25519_key-cert.pub'), 'cert\n');
  const changes = await hostKeysApplier({ config: { types: ['ed25519', 'ecdsa'], regenerate: true } }).plan(doc(), context(dir));
  assert.deepEqual(
    changes.map((change) => [change.action, change.target.replace(dir, ''), change.skipped]),
    [
      ['update', '/etc/ssh/ssh_host_ed25519_key', undefined],
      ['create', '/etc/ssh/ssh_host_ecdsa_key', undefined],
      ['delete', '/etc/ssh/ssh_host_ed25519_key-cert.pub', undefined],
      ['create', '/dev/console', 'not live'],
    ],
  );
});

// cloud-config onto the hostname and ssh-keys appliers: user-data wins, preserve_hostname, same key checks and block, bad user-data ignored.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { userDataOf, withCloudConfigHostname, withCloudConfigKeys } from '../../src/appliers/cloud-config.js';
import { hostnameApplier } from '../../src/appliers/hostname.js';
import { applyPlanned, planAppliers, rememberedState } from '../../src/appliers/runner.js';
import { sshKeysApplier } from '../../src/appliers/ssh-keys.js';
import type { Instance } from '../../src/core/instance.js';
import type { HostnameSetter } from '../../src/system/hostname.js';
import { KEYS } from './keys.js';
import { PASSWD, context, doc, makeRoot, removeRoots, snapshot } from './root.js';

after(removeRoots);

const setter: HostnameSetter = { current: () => 'localhost', set: async () => undefined };
const options = (root: string) => ({ root, live: false, dryRun: false, user: undefined });

function withUserData(text: string, overrides: Partial<Instance> = {}): Instance {
  return doc({ user_data: text, ...overrides });
}

test("cloud-config hostname and fqdn by cloud-init's rules: fqdn wins, a short hostname keeps the metadata's FQDN", async () => {
  const applier = withCloudConfigHostname(hostnameApplier(setter));
  const root = makeRoot({ 'etc/hosts': '127.0.0.1 localhost\n' });
  const short = await applier.plan(withUserData('#cloud-config\nhostname: web1\n'), context(root));
  assert.equal(short[0]?.after, 'web1');
  assert.equal(short[1]?.after, '127.0.1.1\tdvr3-demo12.novalocal web1\t# managed by mdctl');
  const ctx = context(root);
  const fqdn = await applier.plan(withUserData('#cloud-config\nhostname: other\nfqdn: web1.example.org\n'), ctx);
  assert.equal(fqdn[0]?.after, 'other');
  assert.equal(fqdn[1]?.after, '127.0.1.1\tweb1.example.org other\t# managed by mdctl');
  assert.deepEqual(ctx.warnings, []);
  const dotted = await applier.plan(withUserData('#cloud-config\nhostname: web2.example.net\n'), context(root));
  assert.deepEqual([dotted[0]?.after, dotted[1]?.after], ['web2', '127.0.1.1\tweb2.example.net web2\t# managed by mdctl']);
  const plain = await applier.plan(withUserData('#cloud-config\npackages: [git]\n'), context(root));
  assert.equal(plain[0]?.after, 'dvr3-demo12', 'no hostname in cloud-config: meta_data decides');
});

test('preserve_hostname: true plans nothing, writes nothing and keeps what was remembered', async () => {
  const root = makeRoot({ 'etc/hosts': '127.0.0.1 localhost\n' });
  const before = snapshot(root);
  const applier = withCloudConfigHostname(hostnameApplier(setter));
  const runs = await planAppliers([applier], withUserData('#cloud-config\npreserve_hostname: true\nhostname: ignored\n'), options(root), {});
  await applyPlanned(runs);
  assert.deepEqual(runs[0]?.changes, []);
  assert.deepEqual(runs[0]?.errors, []);
  assert.deepEqual(runs[0]?.warnings, ['preserve_hostname is true in cloud-config: the hostname is left as it is']);
  assert.deepEqual(rememberedState(runs, { hostname: { hosts_entry: 'kept' } }), { hostname: { hosts_entry: 'kept' } });
  assert.deepEqual(snapshot(root), before);
});

test('a cloud-config hostname of the wrong type or refused by the policy fails the hostname applier only; nothing is written', async () => {
  const root = makeRoot({ 'etc/hosts': '127.0.0.1 localhost\n' });
  const before = snapshot(root);
  const appliers = [withCloudConfigHostname(hostnameApplier(setter)), withCloudConfigKeys(sshKeysApplier())];
  const typed = await planAppliers(appliers, withUserData('#cloud-config\nhostname: [a]\n'), options(root), {});
  assert.deepEqual(typed[0]?.errors, ['cloud-config hostname must be a non-empty string, not ["a"]']);
  const bad = await planAppliers(appliers, withUserData('#cloud-config\nhostname: "a;rm -rf /"\n'), options(root), {});
  await applyPlanned(bad);
  assert.match(bad[0]?.errors[0] ?? '', /^hostname "a;rm -rf \/" refused/);
  assert.deepEqual(snapshot(root), before);
});

test('malformed user-data is not used: meta_data decides the hostname', async () => {
  const root = makeRoot();
  const changes = await withCloudConfigHostname(hostnameApplier(setter)).plan(withUserData('#cloud-config\nhostname: [\n'), context(root));
  assert.equal(changes[0]?.after, 'dvr3-demo12');
  assert.equal(userDataOf(withUserData('#cloud-config\nhostname: [\n')).config, null);
});

test('ssh_authorized_keys join the metadata keys in the same block; a bad one is refused by name, the others applied', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'home/alice/.ssh/authorized_keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKnE4Yatju8VW0M7z4z2F0izNnGjvcYzQ5c879UxgpLI mine\n' });
  const document = withUserData(`#cloud-config\nssh_authorized_keys:\n  - ${KEYS.ecdsa256}\n  - ssh-rsa AAAA broken\n`, {
    public_keys: [{ name: 'mykey', type: 'ssh', data: KEYS.rsa }],
  });
  const runs = await planAppliers([withCloudConfigKeys(sshKeysApplier())], document, options(root), {});
  await applyPlanned(runs);
  assert.equal(runs[0]?.errors.length, 1);
  assert.match(runs[0]?.errors[0] ?? '', /^SSH key "ssh-rsa AAAA broken" refused: .*\(key entry "cloud-config:1"\); skipped$/);
  const text = readFileSync(join(root, 'home/alice/.ssh/authorized_keys'), 'utf8');
  assert.equal(text, `# BEGIN mdctl managed keys\n${KEYS.rsa}\n${KEYS.ecdsa256}\n# END mdctl managed keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKnE4Yatju8VW0M7z4z2F0izNnGjvcYzQ5c879UxgpLI mine\n`);
});

test('the user-data is parsed once per document object', () => {
  const document = withUserData('#cloud-config\nhostname: a\n');
  assert.equal(userDataOf(document), userDataOf(document));
  assert.deepEqual(userDataOf(document).config, { hostname: 'a' });
});

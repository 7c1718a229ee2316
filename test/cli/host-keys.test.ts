// `mdctl boot` and SSH host keys in a scratch image root: replaced on an instance's first boot, kept later, published as cloud-init does.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PASSWD, makeRoot, removeRoots, snapshot } from '../appliers/root.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };
const SEED_UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const OTHER_UUID = '11111111-2222-4333-8444-555555555555';

let seed: Emulator;
let other: Emulator;

before(async () => {
  seed = await startEmulator({ fixture: SEED_STATIC_FIXTURE });
  other = await startEmulator({ fixture: await writeFixture(readFileSync(SEED_STATIC_FIXTURE, 'utf8').replace(SEED_UUID, OTHER_UUID)) });
});

after(async () => {
  await seed.stop();
  await other.stop();
  removeRoots();
});

interface Image {
  root: string;
  ssh: string;
  state: string;
  cache: string;
  args: string[];
}

/** An image root with sshd's directory holding baked keys (and a certificate), and empty state and cache dirs. */
function image(options: { config?: string; group?: string; baked?: boolean } = {}): Image {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/group': options.group ?? 'root:x:0:\n', 'etc/ssh/sshd_config': 'Port 22\n' });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  const ssh = join(root, 'etc/ssh');
  if (options.baked !== false) {
    for (const type of ['ed25519', 'ecdsa']) execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'baked@image', '-f', join(ssh, `ssh_host_${type}_key`)]);
    writeFileSync(join(ssh, 'ssh_host_ed25519_key-cert.pub'), 'ssh-ed25519-cert-v01@openssh.com AAAAbaked baked@image\n');
  }
  const state = makeRoot();
  const cache = makeRoot();
  const config = join(makeRoot({ 'config.yaml': options.config ?? '' }), 'config.yaml');
  return { root, ssh, state, cache, args: ['--root', root, '--no-live', '--state-dir', state, '--cache-dir', cache, '--config', config] };
}

function boot(img: Image, endpoint: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['boot', '--endpoint', endpoint, ...img.args, ...extra], { env: { ...ENV, ...env }, timeoutMs: 60_000 });
}

/** `ssh-keygen -lf` of every public host key, in file name order. */
function keygenFingerprints(ssh: string): string[] {
  return readdirSync(ssh)
    .filter((name) => /^ssh_host_.*key\.pub$/.test(name))
    .sort()
    .map((name) => execFileSync('ssh-keygen', ['-lf', join(ssh, name)], { encoding: 'utf8' }).trim());
}

/** The lines between a block's BEGIN and END lines, or null when the block is not there. */
function block(text: string, name: 'FINGERPRINTS' | 'KEYS'): string[] | null {
  const match = new RegExp(`^-----BEGIN SSH HOST KEY ${name}-----\\n([^]*?)^-----END SSH HOST KEY ${name}-----$`, 'm').exec(text);
  return match === null ? null : (match[1] ?? '').trimEnd().split('\n');
}

/** Every file under a directory, as text. */
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'latin1'))
    .join('\n');
}

/**
 * The body lines of every private host key that hold private material (what must never leak): an
 * OpenSSH private key file also carries the public key, and lines of it may be in the .pub text.
 */
function privateLines(ssh: string): string[] {
  const names = readdirSync(ssh);
  const publicText = names.filter((name) => name.endsWith('.pub')).map((name) => readFileSync(join(ssh, name), 'utf8')).join('\n');
  return names
    .filter((name) => /^ssh_host_[a-z0-9]+_key$/.test(name))
    .flatMap((name) => readFileSync(join(ssh, name), 'utf8').split('\n'))
    .filter((line) => line !== '' && !line.startsWith('-----') && !publicText.includes(line));
}

function assertNoPrivateKeys(img: Image, outputs: CliResult[]): void {
  const secrets = privateLines(img.ssh);
  assert.ok(secrets.length > 0);
  const seen = [...outputs.flatMap((result) => [result.stdout, result.stderr]), allText(img.state), allText(img.cache)].join('\n');
  assert.doesNotMatch(seen, /PRIVATE KEY/);
  for (const line of secrets) assert.ok(!seen.includes(line), 'a private key line leaked');
}

test('first boot: the baked keys and certificate go, new keys of the default types come with sshd modes, and are published', async () => {
  const img = image();
  const baked = keygenFingerprints(img.ssh);
  writeFileSync(join(img.ssh, 'ssh_host_dsa_key'), 'an old DSA key\n', { mode: 0o600 });
  const result = await boot(img, seed.url);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(readdirSync(img.ssh).sort(), [
    'ssh_host_ecdsa_key',
    'ssh_host_ecdsa_key.pub',
    'ssh_host_ed25519_key',
    'ssh_host_ed25519_key.pub',
    'ssh_host_rsa_key',
    'ssh_host_rsa_key.pub',
    'sshd_config',
  ]);
  const fresh = keygenFingerprints(img.ssh);
  for (const line of fresh) assert.ok(!baked.includes(line), `${line} is new`);
  for (const type of ['ecdsa', 'ed25519', 'rsa']) {
    const key = statSync(join(img.ssh, `ssh_host_${type}_key`));
    assert.deepEqual([key.mode & 0o7777, key.uid, key.gid], [0o600, 0, 0], type);
    const pub = statSync(join(img.ssh, `ssh_host_${type}_key.pub`));
    assert.deepEqual([pub.mode & 0o7777, pub.uid, pub.gid], [0o644, 0, 0], type);
  }
  assert.deepEqual(block(result.stdout, 'FINGERPRINTS'), fresh, 'ssh-keygen -lf agrees with the published fingerprints');
  const pubs = ['ecdsa', 'ed25519', 'rsa'].map((type) => readFileSync(join(img.ssh, `ssh_host_${type}_key.pub`), 'utf8').trim());
  assert.deepEqual(block(result.stdout, 'KEYS'), pubs);
  assert.match(result.stdout, /^#{61}\n-----BEGIN SSH HOST KEY FINGERPRINTS-----\n/m);
  assert.match(result.stdout, /\/etc\/ssh\/ssh_host_ed25519_key-cert\.pub: remove the image's host key file/);
  assert.match(result.stdout, /\/etc\/ssh\/ssh_host_dsa_key: remove the image's host key file/);
  assert.ok(result.stdout.indexOf('ssh_host_rsa_key: generate') < result.stdout.indexOf('ssh_host_dsa_key: remove'), 'new keys first, then the removals');
  assert.match(result.stdout, /\/dev\/console: print the host key fingerprints and public keys \(skipped: not live\)/);
  assertNoPrivateKeys(img, [result]);
});

test('a second boot of the same instance keeps them and publishes nothing; a new instance id regenerates (--json: blocks on stderr)', async () => {
  const img = image({ config: 'host_keys: {types: [ed25519]}\n' });
  const first = await boot(img, seed.url);
  assert.equal(first.status, 0, first.stderr);
  const keys = snapshot(img.ssh);
  const fingerprints = keygenFingerprints(img.ssh);
  assert.equal(fingerprints.length, 1);

  const second = await boot(img, seed.url, ['--json']);
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(snapshot(img.ssh), keys, 'bytes, modes and mtimes unchanged');
  assert.equal(block(second.stderr, 'FINGERPRINTS'), null);
  const report = JSON.parse(second.stdout) as { host_keys: { published: boolean; fingerprints: { fingerprint: string; type: string; bits: number }[] } };
  assert.equal(report.host_keys.published, false);
  assert.deepEqual(
    report.host_keys.fingerprints.map((key) => `${key.bits} ${key.fingerprint}`),
    fingerprints.map((line) => line.split(' ').slice(0, 2).join(' ')),
  );

  const moved = await boot(img, other.url, ['--json']);
  assert.equal(moved.status, 0, moved.stderr);
  const renewed = keygenFingerprints(img.ssh);
  assert.notDeepEqual(renewed, fingerprints);
  assert.deepEqual(block(moved.stderr, 'FINGERPRINTS'), renewed);
  const movedReport = JSON.parse(moved.stdout) as { host_keys: { published: boolean } };
  assert.equal(movedReport.host_keys.published, true);
  assertNoPrivateKeys(img, [first, second, moved]);
});

test('where the image has the ssh_keys group, private keys are 0640 root:ssh_keys', async () => {
  const img = image({ config: 'host_keys: {types: [ed25519, ecdsa]}\n', group: 'root:x:0:\nssh_keys:x:996:\n' });
  const result = await boot(img, seed.url);
  assert.equal(result.status, 0, result.stderr);
  for (const type of ['ed25519', 'ecdsa']) {
    const key = statSync(join(img.ssh, `ssh_host_${type}_key`));
    assert.deepEqual([key.mode & 0o7777, key.uid, key.gid], [0o640, 0, 996], type);
  }
  assert.equal(existsSync(join(img.ssh, 'ssh_host_rsa_key')), false, 'only the configured types');
});

test('host_keys.regenerate false keeps the image keys untouched', async () => {
  const img = image({ config: 'host_keys: {regenerate: false}\n' });
  const keys = snapshot(img.ssh);
  const result = await boot(img, seed.url);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(snapshot(img.ssh), keys);
  assert.match(result.stdout, /kept: the image's 2 host keys \(host_keys\.regenerate is false\)/);
  assert.equal(block(result.stdout, 'FINGERPRINTS'), null);
});

test('without ssh-keygen on the system the applier fails with that reason (exit 3), the image keys stay, the others apply', async () => {
  const img = image();
  const keys = snapshot(img.ssh);
  const result = await boot(img, seed.url, [], { PATH: makeRoot() });
  assert.equal(result.status, 3, result.stderr);
  assert.match(result.stderr, /^mdctl: host-keys: ssh-keygen is not installed: no host keys generated/m);
  assert.deepEqual(snapshot(img.ssh), keys);
  assert.equal(readFileSync(join(img.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  const pending = JSON.parse(readFileSync(join(img.state, `instances/${SEED_UUID}.json`), 'utf8')) as { appliers: Record<string, { how?: string }> };
  assert.equal(pending.appliers['host-keys']?.how, 'pending');
  const retried = await boot(img, seed.url, ['--only', 'host-keys']);
  assert.equal(retried.status, 0, retried.stderr);
  assert.notDeepEqual(snapshot(img.ssh), keys, 'pending: the next boot with ssh-keygen replaces them');
});

test('an instance the state dir knew before host keys were managed (an upgrade, or host-keys skipped) keeps its keys', async () => {
  const img = image();
  const skipped = await boot(img, seed.url, ['--skip', 'host-keys']);
  assert.equal(skipped.status, 0, skipped.stderr);
  const keys = snapshot(img.ssh);
  const result = await boot(img, seed.url);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(snapshot(img.ssh), keys);
  assert.match(result.stdout, /kept: 2 host keys \(this instance booted before mdctl managed its host keys\)/);
  const state = JSON.parse(readFileSync(join(img.state, `instances/${SEED_UUID}.json`), 'utf8')) as { appliers: Record<string, { how?: string }> };
  assert.equal(state.appliers['host-keys']?.how, 'kept');
});

test('--dry-run plans the removals and generations and changes nothing', async () => {
  const img = image();
  const keys = snapshot(img.ssh);
  const result = await boot(img, seed.url, ['--dry-run', '--only', 'host-keys']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^ {2}~ .*\/etc\/ssh\/ssh_host_ecdsa_key: generate a new ecdsa host key \(and \.pub\) with \S*ssh-keygen$/m);
  assert.match(result.stdout, /^ {2}\+ .*\/etc\/ssh\/ssh_host_rsa_key: generate a new rsa host key \(and \.pub\) with \S*ssh-keygen$/m);
  assert.match(result.stdout, /^ {2}- .*\/etc\/ssh\/ssh_host_ed25519_key-cert\.pub: remove the image's host key file$/m);
  assert.deepEqual(snapshot(img.ssh), keys);
  assert.deepEqual(readdirSync(img.state), []);
  assert.equal(block(result.stdout, 'FINGERPRINTS'), null);
});

test('a boot that reads no metadata still gives a keyless image keys; the next boot with an instance adopts them', async () => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const img = image({ config: 'host_keys: {types: [ed25519]}\n', baked: false });
    const lost = await boot(img, `http://127.0.0.1:${port}`, ['--timeout', '2']);
    assert.equal(lost.status, 4, lost.stderr);
    const generated = keygenFingerprints(img.ssh);
    assert.equal(generated.length, 1);
    assert.deepEqual(block(lost.stdout, 'FINGERPRINTS'), generated);
    assert.ok(existsSync(join(img.state, 'host-keys-unclaimed.json')));
    const keys = snapshot(img.ssh);

    const again = await boot(img, `http://127.0.0.1:${port}`, ['--timeout', '2']);
    assert.equal(again.status, 4, again.stderr);
    assert.deepEqual(snapshot(img.ssh), keys, 'keys present: nothing generated');

    const found = await boot(img, seed.url);
    assert.equal(found.status, 0, found.stderr);
    assert.deepEqual(snapshot(img.ssh), keys, 'adopted, not generated again');
    assert.match(found.stdout, /adopt the 1 host key generated while no metadata could be read/);
    assert.deepEqual(block(found.stdout, 'FINGERPRINTS'), generated);
    assert.equal(existsSync(join(img.state, 'host-keys-unclaimed.json')), false);
    const state = JSON.parse(readFileSync(join(img.state, `instances/${SEED_UUID}.json`), 'utf8')) as { appliers: Record<string, { how?: string }> };
    assert.equal(state.appliers['host-keys']?.how, 'adopted');

    const moved = await boot(img, other.url);
    assert.equal(moved.status, 0, moved.stderr);
    assert.notDeepEqual(keygenFingerprints(img.ssh), generated, 'another instance gets its own');
    assertNoPrivateKeys(img, [lost, again, found, moved]);
  } finally {
    server.close();
  }
});

test('an /etc/ssh that is a symbolic link out of the root is refused (exit 3); nothing outside is touched', async () => {
  const img = image();
  const outside = makeRoot();
  execFileSync('cp', ['-a', `${img.ssh}/.`, outside]);
  execFileSync('rm', ['-r', img.ssh]);
  symlinkSync(outside, img.ssh);
  const before = snapshot(outside);
  const result = await boot(img, seed.url);
  assert.equal(result.status, 3, result.stderr);
  assert.match(result.stderr, /^mdctl: host-keys: refusing .*: .* is a symbolic link/m);
  assert.deepEqual(snapshot(outside), before);
  assert.equal(readFileSync(join(img.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
});

test('a .pub that is not a key is left out of the blocks; the run does not fail', async () => {
  const img = image({ config: 'host_keys: {types: [ed25519]}\n' });
  const first = await boot(img, seed.url);
  assert.equal(first.status, 0, first.stderr);
  writeFileSync(join(img.ssh, 'ssh_host_junk_key.pub'), 'not a key\n');
  const result = await boot(img, seed.url, ['--json']);
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { host_keys: { fingerprints: { file: string }[] } };
  assert.deepEqual(report.host_keys.fingerprints.map((key) => key.file), [join(img.ssh, 'ssh_host_ed25519_key.pub')]);
});

test('an image without /etc/ssh (no sshd) gets no host keys', async () => {
  const img = image();
  execFileSync('rm', ['-r', img.ssh]);
  const result = await boot(img, seed.url, ['--only', 'host-keys']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^host-keys\n {2}\(nothing to do\)$/m);
  assert.equal(existsSync(img.ssh), false);
});

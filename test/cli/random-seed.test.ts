// `mdctl boot --live` feeds meta_data's random_seed to /dev/urandom before the host keys, seen through stand-ins bind-mounted in a private mount namespace.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PASSWD, makeRoot, removeRoots } from '../appliers/root.js';
import { runCli } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, type Emulator } from '../helpers/emulator.js';

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };

/**
 * Runs in a new mount namespace (private propagation, util-linux's default): regular files
 * bind-mounted over /dev/urandom and /dev/console, the command, then what /dev/urandom holds in
 * that namespace copied out beside the stand-in. The real devices are never touched.
 */
const IN_NAMESPACE = [
  'mount --bind "$0" /dev/urandom || exit 99',
  'mount --bind "$1" /dev/console || exit 99',
  'shift',
  '"$@"',
  'status=$?',
  'head -c 65536 /dev/urandom > "$0.seen"',
  'exit $status',
].join('\n');

let emulator: Emulator;

before(async () => {
  emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE });
});

after(async () => {
  await emulator.stop();
  removeRoots();
});

test('random_seed reaches /dev/urandom before the host keys are made; it is never printed, in the public cache or the state', async () => {
  const devices = makeRoot({ urandom: '', console: '' });
  const urandom = join(devices, 'urandom');
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/ssh/sshd_config': 'Port 22\n' });
  const cache = makeRoot();
  const state = makeRoot();
  const config = join(makeRoot({ 'config.yaml': 'host_keys: {types: [ed25519]}\n' }), 'config.yaml');
  const args = ['boot', '--endpoint', emulator.url, '--root', root, '--live', '--only', 'random-seed,host-keys', '--cache-dir', cache, '--state-dir', state, '--config', config, '--json'];
  const result = await runCli(args, { env: ENV, wrap: ['unshare', '--mount', 'sh', '-c', IN_NAMESPACE, urandom, join(devices, 'console')], timeoutMs: 60_000 });
  assert.equal(result.status, 0, result.stderr);

  const sensitive = JSON.parse(readFileSync(join(cache, 'instance-sensitive.json'), 'utf8')) as { values: Record<string, string> };
  const seed = sensitive.values.random_seed ?? '';
  assert.equal(Buffer.from(seed, 'base64').length, 512);
  assert.deepEqual(readFileSync(`${urandom}.seen`), Buffer.from(seed, 'base64'), 'the bytes reached /dev/urandom in the namespace');

  const report = JSON.parse(result.stdout) as { results: { applier: string; status: string }[] };
  assert.deepEqual(
    report.results.map((r) => [r.applier, r.status]),
    [
      ['random-seed', 'applied'],
      ['host-keys', 'applied'],
      ['host-keys', 'applied'],
    ],
    'the seed first, then the key, then the console',
  );
  assert.match(readFileSync(join(devices, 'console'), 'utf8'), /^#{61}\n-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 SHA256:\S+ .* \(ED25519\)\n-----END SSH HOST KEY FINGERPRINTS-----\n/);

  const seen = [result.stdout, result.stderr, readFileSync(join(cache, 'instance.json'), 'utf8'), readFileSync(join(state, 'instances/795fed3a-431a-4b89-bd80-ffac22196e72.json'), 'utf8')].join('\n');
  assert.ok(!seen.includes(seed.slice(0, 24)), 'the seed is not shown or kept outside the sensitive cache');

  const again = await runCli(args, { env: ENV, wrap: ['unshare', '--mount', 'sh', '-c', IN_NAMESPACE, urandom, join(devices, 'console')], timeoutMs: 60_000 });
  assert.equal(again.status, 0, again.stderr);
  const second = JSON.parse(again.stdout) as { results: { applier: string }[] };
  assert.deepEqual(second.results.filter((r) => r.applier === 'random-seed'), [], 'once per instance');
});

test('not live: the seed is planned and skipped with the reason', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD });
  const result = await runCli(
    ['boot', '--endpoint', emulator.url, '--root', root, '--no-live', '--only', 'random-seed', '--cache-dir', makeRoot(), '--state-dir', makeRoot(), '--config', join(makeRoot({ 'c.yaml': '' }), 'c.yaml')],
    { env: ENV },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^random-seed\n {2}~ \/dev\/urandom: add the 512 bytes of random_seed to the pool \(skipped: not live\)$/m);
});

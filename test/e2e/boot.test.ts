// `mdctl boot --root TMP --live` in a guest namespace under unshare --uts, against `mdctl serve` on 169.254.169.254:80 in a host namespace.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, stderrLine, type CliResult } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';
import { addRoute, cleanup, exec, seedNetwork, uniqueName, wrap } from '../helpers/netns.js';
import { KEYS } from '../appliers/keys.js';
import { snapshot } from '../appliers/root.js';

const HOST = uniqueName('h4bh');
const GUEST = uniqueName('h4bg');
const HOST_IF = uniqueName('h4bv');
const SEED_MAC = 'fa:16:3e:5b:a1:0c';
const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };
const USER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g alice@her-laptop';
const HOSTS = '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n::1\tlocalhost ip6-localhost ip6-loopback\n';
const SEED_KEY = readFileSync(SEED_STATIC_FIXTURE, 'utf8').match(/ssh-rsa \S+ root@wglee-controller-001/)?.[0] ?? '';

const dir = mkdtempSync(join(tmpdir(), 'mdctl-boot-e2e-'));
const root = join(dir, 'root');
const cacheDir = join(dir, 'cache');
const stateDir = join(dir, 'state');
const configPath = join(dir, 'config.yaml');
let emulator: Emulator | undefined;

/** The seed's static instance with a second keypair; `trimmed` drops that key and the 172.31.5.0/24 route. */
function fixture(trimmed: boolean): string {
  let text = readFileSync(SEED_STATIC_FIXTURE, 'utf8');
  if (!trimmed) {
    text = text.replace('    user_data: |', `      - name: laptop\n        type: ssh\n        data: "${KEYS.ed25519}"\n    user_data: |`);
  } else {
    text = text.replace(/\n\s*- \{network: 172\.31\.5\.0[^\n]*/, '');
  }
  return text;
}

async function serve(trimmed: boolean): Promise<void> {
  await emulator?.stop();
  emulator = await startEmulator({ wrap: wrap(HOST), fixture: await writeFixture(fixture(trimmed)), listen: ['169.254.169.254'], port: 80 });
}

/**
 * mdctl boot inside the guest's network namespace and a new UTS namespace; `hostname` runs after
 * it in the same one. `rebooted`: first set the name from ROOT/etc/hostname, as init does at boot.
 */
function boot(extra: string[] = [], rebooted = false, onStderr?: (stderr: string) => void): Promise<CliResult> {
  const init = rebooted ? `hostname -F '${root}/etc/hostname' && ` : '';
  const args = ['boot', '--root', root, '--live', '--only', 'hostname,ssh-keys,routes', '--cache-dir', cacheDir, '--state-dir', stateDir, '--config', configPath];
  return runCli([...args, ...extra], {
    wrap: [...wrap(GUEST), 'unshare', '--uts', 'sh', '-c', `${init}"$0" "$@" && echo "running hostname: $(hostname)"`],
    env: ENV,
    timeoutMs: 60_000,
    onStderr,
  });
}

async function guestRoutes(): Promise<string[]> {
  const { stdout } = await exec(GUEST, ['ip', '-j', '-4', 'route', 'show', 'table', 'main']);
  return (JSON.parse(stdout) as { dst: string; gateway?: string; dev: string }[])
    .filter((route) => route.gateway !== undefined)
    .map((route) => `${route.dst} via ${route.gateway} dev ${route.dev}`);
}

const authorized = (): string => readFileSync(join(root, 'home/alice/.ssh/authorized_keys'), 'utf8');

before(async () => {
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'home/alice/.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  writeFileSync(join(root, 'etc/hosts'), HOSTS);
  writeFileSync(join(root, 'home/alice/.ssh/authorized_keys'), `${USER_KEY}\n`, { mode: 0o600 });
  writeFileSync(configPath, 'boot_timeout: 30\n');

  await seedNetwork({ host: HOST, guest: GUEST, hostIf: HOST_IF, guestMac: SEED_MAC });
  await serve(false);
});

after(async () => {
  await emulator?.stop();
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('boot sets the running hostname, writes hostname, hosts and keys under the root, and adds the routes', async () => {
  const result = await boot();
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /\nrunning hostname: dvr3-demo12\n$/);
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  assert.equal(
    readFileSync(join(root, 'etc/hosts'), 'utf8'),
    '127.0.0.1\tlocalhost\n127.0.1.1\tdvr3-demo12.novalocal dvr3-demo12\t# managed by mdctl\n127.0.1.1\tdebian\n::1\tlocalhost ip6-localhost ip6-loopback\n',
  );
  assert.equal(authorized(), `# BEGIN mdctl managed keys\n${SEED_KEY}\n${KEYS.ed25519}\n# END mdctl managed keys\n${USER_KEY}\n`);
  assert.deepEqual(await guestRoutes(), [
    'default via 192.168.0.1 dev eth0',
    '10.20.0.0/16 via 192.168.0.254 dev eth0',
    '169.254.169.254 via 192.168.0.3 dev eth0',
    '172.31.5.0/24 via 192.168.0.253 dev eth0',
  ]);
  const state = JSON.parse(readFileSync(join(stateDir, 'instances/795fed3a-431a-4b89-bd80-ffac22196e72.json'), 'utf8')) as {
    appliers: { routes: { routes: unknown[] } };
  };
  assert.equal(state.appliers.routes.routes.length, 3);
});

test('a second boot with the same metadata changes nothing', async () => {
  const files = snapshot(root);
  const routes = await guestRoutes();
  const result = await boot(['--json'], true);
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout.replace(/running hostname: .*\n$/, '')) as { results: { target: string; status: string }[] };
  assert.deepEqual(
    report.results.filter((r) => r.status !== 'noop'),
    [],
  );
  assert.equal(report.results.length, 7);
  assert.deepEqual(snapshot(root), files, 'bytes and mtimes unchanged');
  assert.deepEqual(await guestRoutes(), routes);
});

test('after the metadata drops a key and a route, boot removes exactly those', async () => {
  await exec(GUEST, ['ip', 'route', 'add', '10.99.0.0/16', 'via', '192.168.0.250', 'dev', 'eth0']);
  await serve(true);
  const result = await boot([], true);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(authorized(), `# BEGIN mdctl managed keys\n${SEED_KEY}\n# END mdctl managed keys\n${USER_KEY}\n`);
  assert.deepEqual(await guestRoutes(), [
    'default via 192.168.0.1 dev eth0',
    '10.20.0.0/16 via 192.168.0.254 dev eth0',
    '10.99.0.0/16 via 192.168.0.250 dev eth0',
    '169.254.169.254 via 192.168.0.3 dev eth0',
  ]);
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
});

test('with no route to the service yet, boot waits, succeeds once the route appears, and adds its routes again', async () => {
  await exec(GUEST, ['ip', 'route', 'del', '169.254.169.254/32']);
  await exec(GUEST, ['ip', 'route', 'del', 'default']);
  await exec(GUEST, ['sysctl', '-q', '-w', 'net.ipv6.conf.eth0.disable_ipv6=1']);
  // The route comes once boot has found no way to the service and says it is waiting.
  const waiting = stderrLine(/^waiting for the metadata service /m);
  const booting = boot([], true, waiting.onStderr);
  await Promise.race([waiting.seen, booting]);
  await addRoute(GUEST, '169.254.169.254/32', { via: '192.168.0.3', dev: 'eth0' });
  const result = await booting;
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /^waiting for the metadata service at http:\/\/169\.254\.169\.254 \(or fe80::a9fe:a9fe\): attempt 1, \d+ s elapsed \(.*\)$/m);
  assert.match(result.stdout, /\nrunning hostname: dvr3-demo12\n$/);
  assert.ok((await guestRoutes()).includes('default via 192.168.0.1 dev eth0'));
});

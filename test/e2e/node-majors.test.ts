// The single file under each Node major mdctl claims (18 to 26, the npm registry's official binaries): `mdctl boot` in a guest namespace against `mdctl serve`, then a `get` from the cache.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, type Emulator } from '../helpers/emulator.js';
import { cleanup, exec, seedNetwork, uniqueName, wrap } from '../helpers/netns.js';

const run = promisify(execFile);
const TOOL = fileURLToPath(new URL('../../../tools/node-binaries.mjs', import.meta.url));
/** The majors package.json's engines (">=18") claims; tools/node-binaries.mjs fetches each once. */
const MAJORS = ['18', '20', '22', '24', '26'];
const HOST = uniqueName('h10nh');
const GUEST = uniqueName('h10ng');
const HOST_IF = uniqueName('h10nv');
const SEED_MAC = 'fa:16:3e:5b:a1:0c';
const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };
const ADDED_ROUTES = ['default', '10.20.0.0/16', '172.31.5.0/24'];

const dir = mkdtempSync(join(tmpdir(), 'mdctl-node-majors-'));
const binaries = new Map<string, string>();
let emulator: Emulator | undefined;

/** A fresh image root with a login user, and the run's own cache and state dirs. */
function imageRoot(major: string): { root: string; args: string[] } {
  const base = join(dir, major);
  const root = join(base, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n');
  writeFileSync(join(base, 'config.yaml'), 'boot_timeout: 30\n');
  const args = ['--cache-dir', join(base, 'cache'), '--state-dir', join(base, 'state'), '--config', join(base, 'config.yaml')];
  return { root, args };
}

async function guestRoutes(): Promise<string[]> {
  const { stdout } = await exec(GUEST, ['ip', '-j', '-4', 'route', 'show', 'table', 'main']);
  return (JSON.parse(stdout) as { dst: string; gateway?: string }[]).filter((r) => r.gateway !== undefined).map((r) => `${r.dst} via ${r.gateway}`);
}

before(async () => {
  // Fetched once into node_modules/.cache/mdctl-node; later runs find them there.
  const { stdout } = await run(process.execPath, [TOOL, ...MAJORS], { timeout: 600_000 });
  for (const line of stdout.trim().split('\n')) {
    const [major, path] = line.split(' ') as [string, string];
    binaries.set(major, path);
  }
  await seedNetwork({ host: HOST, guest: GUEST, hostIf: HOST_IF, guestMac: SEED_MAC });
  // The emulator runs under the build's Node; only the mdctl under test changes Node.
  emulator = await startEmulator({ wrap: wrap(HOST), fixture: SEED_STATIC_FIXTURE, listen: ['169.254.169.254'], port: 80 });
});

after(async () => {
  await emulator?.stop();
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the single file on every Node major it claims', { timeout: 900_000 }, () => {
  for (const major of MAJORS) {
    it(`Node ${major}: boot discovers the service, applies hostname, keys and routes; get answers from the cache`, async () => {
      const node = binaries.get(major) ?? '';
      const { stdout: version } = await run(node, ['--version']);
      assert.match(version, new RegExp(`^v${major}\\.`));
      const { root, args } = imageRoot(major);
      const boot = await runCli(['boot', '--root', root, '--live', '--only', 'hostname,ssh-keys,routes', ...args], {
        node,
        wrap: [...wrap(GUEST), 'unshare', '--uts', 'sh', '-c', '"$0" "$@" && echo "running hostname: $(hostname)"'],
        env: ENV,
        timeoutMs: 60_000,
      });
      assert.equal(boot.status, 0, boot.stderr);
      assert.match(boot.stdout, /\nrunning hostname: dvr3-demo12\n$/);
      assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
      assert.match(readFileSync(join(root, 'home/alice/.ssh/authorized_keys'), 'utf8'), /root@wglee-controller-001\n# END mdctl managed keys\n$/);
      assert.deepEqual((await guestRoutes()).sort(), ['10.20.0.0/16 via 192.168.0.254', '169.254.169.254 via 192.168.0.3', '172.31.5.0/24 via 192.168.0.253', 'default via 192.168.0.1']);
      const get = await runCli(['get', 'instance_id', ...args.slice(0, 2)], { node, env: ENV });
      assert.equal(get.stdout, '795fed3a-431a-4b89-bd80-ffac22196e72\n', get.stderr);
      // The next major starts from the network as DHCP left it.
      for (const route of ADDED_ROUTES) await exec(GUEST, ['ip', 'route', 'del', route]);
    });
  }
});

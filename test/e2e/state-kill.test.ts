// A run killed (SIGKILL) after its routes and an append were made, or while it adds routes in chunks, in a namespace: the next run owns those routes and does not append again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';
import { addAddr, cleanup, createNetns, exec, run, uniqueName, wrap } from '../helpers/netns.js';

const GUEST = uniqueName('skill');
const MAC = 'fa:16:3e:5b:a1:0c';
const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };
const dir = mkdtempSync(join(tmpdir(), 'mdctl-state-kill-'));
const root = join(dir, 'root');
const stateDir = join(dir, 'state');
const plugin = join(dir, 'hold.mjs');
const holdFlag = join(dir, 'hold');
let emulator: Emulator | undefined;

/** A plugin that runs after the built-ins; while the flag file exists, it says so on stderr and never returns. */
const HOLD_PLUGIN = `import { existsSync } from 'node:fs';
export default {
  id: 'hold',
  description: 'holds the run until it is killed',
  async plan() { return [{ applier: 'hold', action: 'create', target: 'hold', summary: 'hold' }]; },
  async apply() {
    if (!existsSync(${JSON.stringify(holdFlag)})) return;
    process.stderr.write('HOLDING\\n');
    await new Promise(() => setInterval(() => undefined, 1000));
  },
};
`;

/** The seed's static instance with a cloud-config append instead of its script; `trimmed` drops the 172.31.5.0/24 route. */
function fixture(trimmed: boolean): string {
  let text = readFileSync(SEED_STATIC_FIXTURE, 'utf8').replace(
    / {4}user_data: \|\n {6}#!\/bin\/sh\n[^\n]*\n/,
    '    user_data: |\n      #cloud-config\n      write_files:\n        - {path: /etc/motd, content: "appended once\\n", append: true}\n',
  );
  if (trimmed) text = text.replace(/\n\s*- \{network: 172\.31\.5\.0[^\n]*/, '');
  return text;
}

/** The seed's instance with `count` /24 routes via 192.168.0.1 instead of its three. */
function manyRoutes(count: number): string {
  const routes = Array.from({ length: count }, (_, i) => `\n            - {network: 100.${64 + (i >> 8)}.${i & 255}.0, netmask: 255.255.255.0, gateway: 192.168.0.1}`);
  const text = fixture(false).replace(/ {10}routes:\n(?: {12}- \{network[^\n]*\n)+/, `          routes:${count === 0 ? ' []' : routes.join('')}\n`);
  assert.equal((text.match(/network: 100\./g) ?? []).length, count);
  return text;
}

/** The arguments of `mdctl apply` in the guest. */
function applyArgs(cacheDir: string, state = stateDir): string[] {
  return [
    'apply',
    '--root',
    root,
    '--live',
    '--only',
    'routes,write-files,hold',
    '--applier',
    plugin,
    '--endpoint',
    emulator?.url ?? '',
    '--cache-dir',
    cacheDir,
    '--state-dir',
    state,
    '--config',
    join(dir, 'config.yaml'),
  ];
}

/** Starts apply and SIGKILLs it once the hold plugin says it is holding (every built-in has applied by then). */
function applyKilledWhileHeld(cacheDir: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const [file, ...args] = [...wrap(GUEST), process.execPath, BIN, ...applyArgs(cacheDir)] as [string, ...string[]];
  const child = spawn(file, args, { env: { ...process.env, NO_COLOR: '1', ...ENV }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.includes('HOLDING\n')) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_status, signal) => {
      clearTimeout(timer);
      resolve({ signal, stderr });
    });
  });
}

/** Whether a process has exited (gone, or a zombie no one reaps). */
function exited(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** The processes whose parent is `pid`, from /proc/<pid>/stat. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Starts apply and SIGKILLs it when `ip monitor` shows the first route it adds (while it adds
 * them, in chunks); then waits for the `ip -batch` it had started, which finishes its chunk.
 */
async function applyKilledOnFirstRoute(cacheDir: string, state: string): Promise<NodeJS.Signals | null> {
  const monitor = spawn('ip', ['-n', GUEST, 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const [file, ...args] = [...wrap(GUEST), process.execPath, BIN, ...applyArgs(cacheDir, state)] as [string, ...string[]];
  const child = spawn(file, args, { env: { ...process.env, NO_COLOR: '1', ...ENV }, stdio: 'ignore' });
  let helpers: number[] = [];
  monitor.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (!/100\.\d+\.\d+\.0\/24/.test(chunk) || child.pid === undefined || child.exitCode !== null) return;
    helpers = childrenOf(child.pid);
    child.kill('SIGKILL');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_status, how) => resolve(how)));
  clearTimeout(timer);
  monitor.kill();
  while (!helpers.every(exited)) await new Promise((resolve) => setTimeout(resolve, 20));
  return signal;
}

async function guestRoutes(): Promise<string[]> {
  const { stdout } = await exec(GUEST, ['ip', '-j', '-4', 'route', 'show', 'table', 'main']);
  return (JSON.parse(stdout) as { dst: string; gateway?: string }[]).filter((route) => route.gateway !== undefined).map((route) => `${route.dst} via ${route.gateway}`);
}

before(async () => {
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/motd'), 'image motd\n');
  writeFileSync(plugin, HOLD_PLUGIN);
  writeFileSync(join(dir, 'config.yaml'), '# none\n');
  await createNetns(GUEST);
  await run(['ip', '-n', GUEST, 'link', 'add', 'eth0', 'address', MAC, 'type', 'veth', 'peer', 'name', 'peer0']);
  await run(['ip', '-n', GUEST, 'link', 'set', 'eth0', 'up']);
  await run(['ip', '-n', GUEST, 'link', 'set', 'peer0', 'up']);
  await addAddr(GUEST, 'eth0', '192.168.0.233/24');
});

after(async () => {
  await emulator?.stop();
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('killed after its routes and an append: the next run removes the route that left the metadata and appends nothing again', async () => {
  emulator = await startEmulator({ wrap: wrap(GUEST), fixture: await writeFixture(fixture(false)), listen: ['127.0.0.1'] });
  writeFileSync(holdFlag, '');
  const killed = await applyKilledWhileHeld(join(dir, 'cache1'));
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.deepEqual(await guestRoutes(), ['default via 192.168.0.1', '10.20.0.0/16 via 192.168.0.254', '172.31.5.0/24 via 192.168.0.253']);
  assert.equal(readFileSync(join(root, 'etc/motd'), 'utf8'), 'image motd\nappended once\n');

  await emulator.stop();
  emulator = await startEmulator({ wrap: wrap(GUEST), fixture: await writeFixture(fixture(true)), listen: ['127.0.0.1'] });
  rmSync(holdFlag);
  const next = await runCli(applyArgs(join(dir, 'cache2')), { wrap: wrap(GUEST), env: ENV, timeoutMs: 60_000 });
  assert.equal(next.status, 0, next.stderr);
  assert.deepEqual(await guestRoutes(), ['default via 192.168.0.1', '10.20.0.0/16 via 192.168.0.254'], 'the route mdctl added before the kill is mdctl’s to remove');
  assert.equal(readFileSync(join(root, 'etc/motd'), 'utf8'), 'image motd\nappended once\n', 'appended exactly once');
});

test('killed while adding 1,500 routes in chunks: the next run removes every one it added once they leave the metadata', async () => {
  const state = join(dir, 'state-many');
  await emulator?.stop();
  emulator = await startEmulator({ wrap: wrap(GUEST), fixture: await writeFixture(manyRoutes(1500)), listen: ['127.0.0.1'] });
  const signal = await applyKilledOnFirstRoute(join(dir, 'cache-many1'), state);
  const added = (await guestRoutes()).filter((route) => route.startsWith('100.'));
  assert.ok(added.length > 0, `killed by ${signal ?? 'nothing'} after some routes were added`);

  await emulator.stop();
  emulator = await startEmulator({ wrap: wrap(GUEST), fixture: await writeFixture(manyRoutes(0)), listen: ['127.0.0.1'] });
  const next = await runCli(applyArgs(join(dir, 'cache-many2'), state), { wrap: wrap(GUEST), env: ENV, timeoutMs: 60_000 });
  assert.equal(next.status, 0, next.stderr);
  assert.deepEqual((await guestRoutes()).filter((route) => route.startsWith('100.')), [], `all ${added.length} routes added before the kill are removed`);
});

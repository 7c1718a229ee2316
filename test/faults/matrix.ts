// The fault matrix's shared parts: an image root, a warm cache, `mdctl boot` against the emulator, tree hashes, one-line errors.
//
// Every row of issue 6's fault matrix, and the test that covers it. Rows with [here] are in test/faults/*.test.ts
// (run through `mdctl boot --root TMP --no-live`, checking the exit status, one stderr line naming the cause, and
// the root, the cache and the state dir byte-identical or exactly what a clean boot gives). Rows covered elsewhere:
//
// | row                                   | covered by                                                                  |
// |---------------------------------------|-----------------------------------------------------------------------------|
// | connection refused                    | [here] network; cli/fetch.test.ts "connection refused"; net/http.test.ts    |
// | no route (empty netns, no --endpoint) | [here] network; e2e/fetch-netns.test.ts, e2e/route.test.ts (fetch, route)   |
// | blackhole                             | [here] network; net/http.test.ts "a blackhole"; cli/boot.test.ts (deadline) |
// | slow drip, 1 byte/s                   | [here] network; net/http.test.ts "a dripping body"                          |
// | reset in the middle of a body         | [here] network; cli/fetch-faults.test.ts "reset on every try"               |
// | 500 then 200                          | [here] network; cli/fetch-faults.test.ts "500 then 200 on /openstack"       |
// | 429 with Retry-After                  | [here] network; net/http.test.ts "429 with Retry-After is honoured"         |
// | 403 on /openstack, fails fast         | [here] network; cli/fetch-faults.test.ts "403 on /openstack"                |
// | 404 on meta_data.json                 | [here] network; cli/fetch-faults.test.ts "404 on meta_data.json"            |
// | truncated JSON                        | [here] network; cli/fetch-faults.test.ts "truncated JSON"                   |
// | JSON of the wrong shape               | [here] network; model/normalize.test.ts; property/normalize.test.ts         |
// | a 50 MiB body                         | [here] network; net/http.test.ts "a 2 MiB body"; cli/fetch-faults.test.ts   |
// | redirect to another host              | [here] network; cli/fetch-faults.test.ts; net/http.test.ts                  |
// | HTML error page with status 200       | [here] network; cli/fetch-faults.test.ts; sources/crawl.test.ts             |
// | hostile hostnames                     | [here] values; model/hostname.test.ts; cli/apply.test.ts; property/hostname |
// | keys: smuggled line, command=, inner type, 10,000 keys | [here] values; model/sshkeys.test.ts; property/sshkeys   |
// | routes: bad CIDR, off-link gateway, 169.254.169.254 | [here] values; appliers/routes.test.ts (live, fake table)     |
// | user_data of 64 KiB + 1               | [here] values (write-files/scripts refuse it, cache keeps it); cli/validate  |
// | authorized_keys or .ssh a symlink     | appliers/ssh-keys.test.ts "a symlinked ~/.ssh or authorized_keys (to etc/shadow)"; cli/apply.test.ts |
// | read-only file system under the root  | [here] local                                                                |
// | full file system under the root       | [here] local                                                                |
// | SIGKILL in the middle of apply        | [here] local (each target old or new, the next boot completes; temps counted)  |
// | two mdctl boot at once                | [here] local; cli/boot.test.ts "a second boot while one holds the lock"     |
// | corrupt cache file                    | [here] local (apply); cli/get-fetch.test.ts; cache/cache.test.ts            |
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { runCli, type CliOptions, type CliResult } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';

export const META = '/openstack/2020-10-14/meta_data.json';
export const INSTANCE = '795fed3a-431a-4b89-bd80-ffac22196e72';
export const USER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g alice@her-laptop';
export const HOSTS = '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n';
/** Keep the developer's MDCTL_* settings out of the runs. */
export const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };

const work = mkdtempSync(join(tmpdir(), 'mdctl-faults-'));
let counter = 0;

/** Removes everything the matrix made; call from after(). */
export function removeWork(): void {
  rmSync(work, { recursive: true, force: true });
}

export function workDir(prefix: string): string {
  const dir = join(work, `${prefix}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** An image root as a cloud image has it: a login user alice with her own key, hosts, hostname. */
export function makeImageRoot(): string {
  const root = workDir('root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'home/alice/.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nalice:x:1000:\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(join(root, 'etc/hosts'), HOSTS);
  writeFileSync(join(root, 'etc/hostname'), 'debian\n');
  writeFileSync(join(root, 'home/alice/.ssh/authorized_keys'), `${USER_KEY}\n`, { mode: 0o600 });
  for (const path of ['home/alice', 'home/alice/.ssh', 'home/alice/.ssh/authorized_keys']) chownSync(join(root, path), 1000, 1000);
  return root;
}

/**
 * Every entry under `dir` by relative path: type, mode, owner and content hash (or link
 * target). With `times`, the mtime too: then equal means untouched, not just the same bytes.
 */
export function tree(dir: string, times = false): Record<string, string> {
  const result: Record<string, string> = {};
  if (!existsSync(dir)) return result;
  const walk = (path: string, rel: string): void => {
    const stats = lstatSync(path);
    const head = `${stats.mode.toString(8)} ${stats.uid}:${stats.gid}${times ? ` ${stats.mtimeMs}` : ''}`;
    if (stats.isSymbolicLink()) result[rel] = `${head} -> ${readlinkSync(path)}`;
    else if (stats.isDirectory()) {
      result[rel] = `${head} dir`;
      for (const name of readdirSync(path).sort()) walk(join(path, name), `${rel}/${name}`);
    } else result[rel] = `${head} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  };
  walk(dir, '.');
  return result;
}

export interface Box {
  root: string;
  cache: string;
  state: string;
  config: string;
}

let warmCache: string | undefined;

/** A cache holding an earlier good fetch of the seed instance (made once, copied per row). */
async function warm(): Promise<string> {
  if (warmCache !== undefined) return warmCache;
  const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE });
  try {
    const dir = workDir('warm-cache');
    const result = await runCli(['fetch', '--endpoint', emulator.url, '--cache-dir', dir, '--quiet'], { env: ENV });
    assert.equal(result.status, 0, result.stderr);
    warmCache = dir;
    return dir;
  } finally {
    await emulator.stop();
  }
}

/** A fresh root, a copy of the warm cache, an empty state dir and an empty config file. */
export async function makeBox(): Promise<Box> {
  const cache = workDir('cache');
  cpSync(await warm(), cache, { recursive: true, preserveTimestamps: true });
  const configDir = workDir('config');
  const config = join(configDir, 'config.yaml');
  writeFileSync(config, '');
  return { root: makeImageRoot(), cache, state: workDir('state'), config };
}

export function bootArgs(box: Box, timeoutSeconds: number): string[] {
  return ['boot', '--root', box.root, '--no-live', '--cache-dir', box.cache, '--state-dir', box.state, '--config', box.config, '--timeout', String(timeoutSeconds), '--quiet'];
}

export function boot(box: Box, endpoint: string | undefined, timeoutSeconds: number, options: CliOptions = {}, extra: string[] = []): Promise<CliResult> {
  const endpointArgs = endpoint === undefined ? [] : ['--endpoint', endpoint];
  return runCli([...bootArgs(box, timeoutSeconds), ...endpointArgs, ...extra], { env: ENV, timeoutMs: 60_000, ...options });
}

/**
 * The state of everything a boot may touch, to compare before and after: root and cache down to
 * the mtimes; the state dir by content (the run lock comes and goes in it), but for the boot
 * report, which records every run, a failed one too (see bootReportSays).
 */
export function everything(box: Box): Record<string, Record<string, string>> {
  const state = tree(box.state);
  delete state['./boot-report.json'];
  return { root: tree(box.root, true), cache: tree(box.cache, true), state };
}

/** The boot report in the box's state dir records the run's end with this exit status. */
export function bootReportSays(box: Box, status: number): void {
  const report = JSON.parse(readFileSync(join(box.state, 'boot-report.json'), 'utf8')) as { stages: { boot?: { state: string; exit_status: number } } };
  assert.deepEqual({ state: report.stages.boot?.state, exit: report.stages.boot?.exit_status }, { state: 'ended', exit: status });
}

/** The run failed with `status` and exactly one stderr line, "mdctl: ...", matching `cause`; nothing on stdout. */
export function failedWith(result: CliResult, status: number, cause: RegExp): void {
  assert.equal(result.status, status, `exit ${result.status}: ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `one stderr line, got: ${result.stderr}`);
  assert.match(lines[0]!, /^mdctl: /);
  assert.match(lines[0]!, cause);
  assert.equal(result.stdout, '');
}

/** The emulator serving `fixture` (default: the seed's static instance) with these fault rules. */
export async function emulatorWith(rules: object[] = [], fixture: string = SEED_STATIC_FIXTURE): Promise<Emulator> {
  const faults = rules.length === 0 ? undefined : await writeFixture(dump(rules, { lineWidth: -1 }));
  return startEmulator({ fixture, ...(faults === undefined ? {} : { faults }) });
}

/** The seed's static fixture with its meta_data values replaced (YAML text in, YAML text out). */
export function seedFixture(edit: (text: string) => string): Promise<string> {
  return writeFixture(edit(readFileSync(SEED_STATIC_FIXTURE, 'utf8')));
}

let cleanTrees: { root: Record<string, string>; cache: string } | undefined;

/** What a clean boot of the seed instance leaves in a fresh root (contents, not times), and its cache document minus fetched_at/endpoint. */
export async function cleanResult(): Promise<{ root: Record<string, string>; cache: string }> {
  if (cleanTrees !== undefined) return cleanTrees;
  const emulator = await emulatorWith();
  try {
    const box = await makeBox();
    const result = await boot(box, emulator.url, 10);
    assert.equal(result.status, 0, result.stderr);
    cleanTrees = { root: tree(box.root), cache: cacheDocument(box) };
    return cleanTrees;
  } finally {
    await emulator.stop();
  }
}

/** The cached public document with what differs between fetches (time, endpoint) blanked. */
export function cacheDocument(box: Box): string {
  const doc = JSON.parse(readFileSync(join(box.cache, 'instance.json'), 'utf8')) as { source: Record<string, unknown> };
  doc.source.fetched_at = '';
  doc.source.endpoint = '';
  return JSON.stringify(doc);
}

/** Lines of authorized_keys inside mdctl's block. */
export function managedKeys(box: Box): string[] {
  const text = readFileSync(join(box.root, 'home/alice/.ssh/authorized_keys'), 'utf8');
  const begin = text.indexOf('# BEGIN mdctl managed keys\n');
  const end = text.indexOf('# END mdctl managed keys');
  return begin < 0 ? [] : text.slice(begin, end).split('\n').slice(1, -1);
}

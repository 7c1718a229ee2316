// Vendor data from the emulator through `mdctl boot`: applied before user-data, replaced key by key by it, off on request, scripts run once.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KEYS } from '../appliers/keys.js';
import { PASSWD, makeRoot, removeRoots } from '../appliers/root.js';
import { copyPrograms } from '../helpers/chroot.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };
const SEED_UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const emulators: Emulator[] = [];

after(async () => {
  for (const emulator of emulators) await emulator.stop();
  removeRoots();
});

interface Setup {
  root: string;
  state: string;
  cache: string;
  /** The scripts' log, as a path inside the root (scripts run chrooted into it). */
  log: string;
}

/** An image root with a shell for the scripts, which run chrooted into it. */
function setup(): Setup {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/hosts': '127.0.0.1 localhost\n' });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  mkdirSync(join(root, 'var/log'), { recursive: true });
  copyPrograms(root, ['/bin/sh']);
  return { root, state: makeRoot(), cache: makeRoot(), log: '/var/log/scripts.log' };
}

/** vendor_data.json: a cloud-config with files, a key, a hostname and runcmd of its own. */
function vendorConfig(log: string): string {
  return [
    '#cloud-config',
    'hostname: vendor1-host',
    'write_files:',
    '  - {path: /etc/vendor-only, content: "vendor\\n"}',
    '  - {path: /etc/motd, content: "vendor motd\\n"}',
    `ssh_authorized_keys: ["${KEYS.ed25519}"]`,
    `runcmd: ["echo vendor-runcmd >> ${log}"]`,
    '',
  ].join('\n');
}

/** vendor_data2.json's cloud-init provider: a script and a cloud-config whose hostname wins over vendor_data's. */
function vendor2(log: string): string[] {
  return [`#!/bin/sh\necho vendor-script >> ${log}\n`, '#cloud-config\nhostname: vendor2-host\n'];
}

function userConfig(log: string, extra = ''): string {
  return ['#cloud-config', 'write_files:', '  - {path: /etc/motd, content: "user motd\\n"}', 'runcmd:', `  - echo user-runcmd >> ${log}`, extra, ''].join('\n');
}

async function serve(log: string, userData: string): Promise<Emulator> {
  const vendorData = { motd: 'welcome', 'cloud-init': vendorConfig(log) };
  const text = readFileSync(SEED_STATIC_FIXTURE, 'utf8')
    .replace(/ {4}user_data: \|\n( {6}.*\n)+/, `    user_data: ${JSON.stringify(userData)}\n`)
    .replace(/ {4}vendor_data:\n {6}motd: .*\n/, `    vendor_data: ${JSON.stringify(vendorData)}\n    vendor_data2: ${JSON.stringify({ static: vendorData, 'cloud-init': vendor2(log) })}\n`);
  assert.match(text, /vendor_data2/);
  const emulator = await startEmulator({ fixture: await writeFixture(text) });
  emulators.push(emulator);
  return emulator;
}

/** A live boot (scripts run) in a private UTS namespace, never touching routes, the entropy pool or host keys. */
function boot(s: Setup, emulator: Emulator, extra: string[] = []): Promise<CliResult> {
  const config = join(makeRoot({ 'config.yaml': '' }), 'config.yaml');
  const args = ['boot', '--endpoint', emulator.url, '--root', s.root, '--live', '--skip', 'routes,random-seed,host-keys', '--cache-dir', s.cache, '--state-dir', s.state, '--config', config, ...extra];
  return runCli(args, { env: ENV, wrap: ['unshare', '--uts'], timeoutMs: 60_000 });
}

/** The lines the scripts wrote to the log in the root. */
const lines = (s: Setup): string[] => (existsSync(join(s.root, s.log)) ? readFileSync(join(s.root, s.log), 'utf8').trimEnd().split('\n') : []);

test('vendor data applies before user-data; user-data replaces its top-level keys; a key only vendor data sets still applies; scripts run once', async () => {
  const s = setup();
  const emulator = await serve(s.log, userConfig(s.log));
  const first = await boot(s, emulator);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(readFileSync(join(s.root, 'etc/motd'), 'utf8'), 'user motd\n', "user-data's write_files wins");
  assert.equal(existsSync(join(s.root, 'etc/vendor-only')), false, "the vendor's write_files list is replaced as a whole");
  assert.equal(readFileSync(join(s.root, 'etc/hostname'), 'utf8'), 'vendor2-host\n', "vendor_data2's hostname wins over vendor_data's");
  const keys = readFileSync(join(s.root, 'home/alice/.ssh/authorized_keys'), 'utf8');
  assert.ok(keys.includes(KEYS.ed25519), "vendor data's own ssh_authorized_keys still apply");
  assert.deepEqual(lines(s), ['vendor-script', 'user-runcmd'], "the vendor script runs; user-data's runcmd replaces the vendor's");
  assert.ok(existsSync(join(s.state, 'instances', SEED_UUID, 'scripts', 'vendor-part-001.status.json')));

  const second = await boot(s, emulator);
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(lines(s), ['vendor-script', 'user-runcmd'], 'nothing runs twice for the instance');
  assert.match(second.stdout, /= vendor-part-001 "#!\/bin\/sh": ran at .* \(exit 0\); once per instance/);

  const publicCache = readFileSync(join(s.cache, 'instance.json'), 'utf8');
  assert.ok(!publicCache.includes('vendor-script') && !publicCache.includes('vendor1-host'), 'vendor data is not in the public cache');
  assert.equal(statSync(join(s.cache, 'instance-sensitive.json')).mode & 0o777, 0o600);
});

test('user-data `vendor_data: {enabled: false}` turns vendor data off', async () => {
  const s = setup();
  const emulator = await serve(s.log, userConfig(s.log, 'vendor_data: {enabled: false}'));
  const result = await boot(s, emulator);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(s), ['user-runcmd']);
  assert.equal(readFileSync(join(s.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  assert.ok(!readFileSync(join(s.root, 'home/alice/.ssh/authorized_keys'), 'utf8').includes(KEYS.ed25519));
  assert.match(result.stderr, /scripts: vendor data is turned off by the user-data/);
  assert.doesNotMatch(result.stderr, /keys ignored/, 'vendor_data is a known key');
});

test('mdctl get vendor-data.parts --json shows the parts and where they came from', async () => {
  const s = setup();
  const emulator = await serve(s.log, userConfig(s.log));
  const fetched = await runCli(['fetch', '--endpoint', emulator.url, '--cache-dir', s.cache], { env: ENV });
  assert.equal(fetched.status, 0, fetched.stderr);
  const result = await runCli(['get', 'vendor-data.parts', '--json', '--cache-dir', s.cache], { env: ENV });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), [
    { index: 0, type: 'cloud-config', content_type: 'text/cloud-config', size: Buffer.byteLength(vendorConfig(s.log)), source: 'vendor_data.json' },
    { index: 1, type: 'script', content_type: 'text/x-shellscript', size: Buffer.byteLength(vendor2(s.log)[0] ?? ''), source: 'vendor_data2.json' },
    { index: 2, type: 'cloud-config', content_type: 'text/cloud-config', size: Buffer.byteLength(vendor2(s.log)[1] ?? ''), source: 'vendor_data2.json' },
  ]);
  const one = await runCli(['get', 'vendor_data.parts.1.source', '--cache-dir', s.cache], { env: ENV });
  assert.equal(one.stdout, 'vendor_data2.json\n');
});

test('vendor data that cannot be used fails the scripts applier (exit 3); user-data still applies', async () => {
  const s = setup();
  const text = readFileSync(SEED_STATIC_FIXTURE, 'utf8')
    .replace(/ {4}user_data: \|\n( {6}.*\n)+/, `    user_data: ${JSON.stringify(userConfig(s.log))}\n`)
    .replace(/ {4}vendor_data:\n {6}motd: .*\n/, `    vendor_data: ${JSON.stringify({ 'cloud-init': { nested: 'mapping' } })}\n`);
  const emulator = await startEmulator({ fixture: await writeFixture(text) });
  emulators.push(emulator);
  const result = await boot(s, emulator);
  assert.equal(result.status, 3, result.stderr);
  assert.match(result.stderr, /^mdctl: scripts: vendor data refused: vendor_data\.json: the cloud-init key holds a mapping/m);
  assert.deepEqual(lines(s), ['user-runcmd']);
  assert.equal(readFileSync(join(s.root, 'etc/motd'), 'utf8'), 'user motd\n');
});

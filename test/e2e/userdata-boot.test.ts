// `mdctl boot --root TMP --live` in a guest namespace runs the user-data's "#!" script and runcmd once per instance, chrooted into TMP; the fixture carries gzipped multipart user-data.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runCli, type CliResult } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';
import { copyPrograms } from '../helpers/chroot.js';
import { cleanup, seedNetwork, uniqueName, wrap } from '../helpers/netns.js';

const HOST = uniqueName('h9uh');
const GUEST = uniqueName('h9ug');
const HOST_IF = uniqueName('h9uv');
const SEED_MAC = 'fa:16:3e:5b:a1:0c';
const SEED_UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const OTHER_UUID = '11111111-2222-4333-8444-555555555555';
const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };

const dir = mkdtempSync(join(tmpdir(), 'mdctl-userdata-e2e-'));
const root = join(dir, 'root');
/** Inside the root: the scripts run chrooted into it and write /effects/log. */
const effects = join(root, 'effects');
const cacheDir = join(dir, 'cache');
const stateDir = join(dir, 'state');
const configPath = join(dir, 'config.yaml');
const log = join(effects, 'log');
let emulator: Emulator | undefined;

const SCRIPT = `#!/bin/sh\necho "script ran as $(id -u) on $(hostname)" >> /effects/log\n`;
const CONFIG = [
  '#cloud-config',
  'hostname: userdata-host',
  'write_files:',
  '  - {path: /etc/motd, content: "from user-data\\n", permissions: "0600"}',
  'runcmd:',
  '  - echo "runcmd string" >> /effects/log',
  '  - [/bin/sh, -c, "echo runcmd argv >> /effects/log; test -f /etc/motd && echo motd written first >> /effects/log"]',
  'packages: [nginx]',
].join('\n');

/** A gzipped multipart: cloud-config (hostname, write_files, runcmd as a string and as argv) and a gzip+base64 "#!" script. */
function userData(): Buffer {
  const message = [
    'Content-Type: multipart/mixed; boundary="==mdctl=="',
    'MIME-Version: 1.0',
    '',
    '--==mdctl==',
    'Content-Type: text/cloud-config; charset="us-ascii"',
    'Content-Disposition: attachment; filename="config.yaml"',
    '',
    CONFIG,
    '--==mdctl==',
    'Content-Type: text/x-shellscript',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="hello.sh"',
    '',
    gzipSync(SCRIPT).toString('base64'),
    '--==mdctl==--',
    '',
  ].join('\n');
  return gzipSync(message);
}

function fixture(uuid: string): string {
  const text = readFileSync(SEED_STATIC_FIXTURE, 'utf8').replace(/ {4}user_data: \|\n( {6}.*\n)+/, `    user_data_base64: ${userData().toString('base64')}\n`);
  assert.match(text, /user_data_base64/);
  return text.replace(SEED_UUID, uuid);
}

async function serve(uuid: string): Promise<void> {
  await emulator?.stop();
  emulator = await startEmulator({ wrap: wrap(HOST), fixture: await writeFixture(fixture(uuid)), listen: ['169.254.169.254'], port: 80 });
}

function boot(): Promise<CliResult> {
  const args = ['boot', '--root', root, '--live', '--cache-dir', cacheDir, '--state-dir', stateDir, '--config', configPath, '--json'];
  return runCli(args, { wrap: [...wrap(GUEST), 'unshare', '--uts'], env: ENV, timeoutMs: 60_000 });
}

interface Report {
  results: { applier: string; target: string; action: string; status: string }[];
}

const lines = (): string[] => readFileSync(log, 'utf8').trimEnd().split('\n');

before(async () => {
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'root'), { recursive: true });
  mkdirSync(effects);
  copyPrograms(root, ['/bin/sh', 'id', 'hostname']);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n');
  writeFileSync(configPath, 'boot_timeout: 30\n');
  await seedNetwork({ host: HOST, guest: GUEST, hostIf: HOST_IF, guestMac: SEED_MAC });
  await serve(SEED_UUID);
});

after(async () => {
  await emulator?.stop();
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('boot runs the "#!" part, then runcmd, after the files and the cloud-config hostname; ignored keys are warned about', async () => {
  const result = await boot();
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(), ['script ran as 0 on userdata-host', 'runcmd string', 'runcmd argv', 'motd written first']);
  assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'userdata-host\n');
  assert.equal(readFileSync(join(root, 'etc/motd'), 'utf8'), 'from user-data\n');
  assert.match(result.stderr, /scripts: cloud-config keys ignored \(not supported\): "packages"/);
  const report = JSON.parse(result.stdout) as Report;
  assert.deepEqual(
    report.results.filter((r) => r.applier === 'scripts').map((r) => [r.target.split(' ')[0], r.status]),
    [['part-001', 'applied'], ['runcmd-000', 'applied'], ['runcmd-001', 'applied']],
  );
  const scripts = join(stateDir, 'instances', SEED_UUID, 'scripts');
  assert.equal(readFileSync(join(scripts, 'part-001'), 'utf8'), SCRIPT);
  assert.equal(JSON.parse(readFileSync(join(scripts, 'runcmd-001.status.json'), 'utf8')).exit_code, 0);
});

test('a second boot of the same instance runs nothing again; a new instance id runs them again', async () => {
  const second = await boot();
  assert.equal(second.status, 0, second.stderr);
  assert.equal(lines().length, 4, 'nothing ran again');
  const report = JSON.parse(second.stdout) as Report;
  assert.deepEqual(report.results.filter((r) => r.applier === 'scripts' || r.applier === 'write-files').map((r) => r.status), ['noop', 'noop', 'noop', 'noop']);

  await serve(OTHER_UUID);
  const other = await boot();
  assert.equal(other.status, 0, other.stderr);
  assert.deepEqual(lines().slice(4), ['script ran as 0 on userdata-host', 'runcmd string', 'runcmd argv', 'motd written first']);
});

test('mdctl get user-data.parts shows the detected parts from the cache', async () => {
  const result = await runCli(['get', 'user-data.parts', '--json', '--cache-dir', cacheDir]);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), [
    { index: 0, type: 'cloud-config', content_type: 'text/cloud-config', filename: 'config.yaml', size: Buffer.byteLength(CONFIG), gzip: true },
    { index: 1, type: 'script', content_type: 'text/x-shellscript', filename: 'hello.sh', size: Buffer.byteLength(SCRIPT), gzip: true },
  ]);
  const type = await runCli(['get', 'user-data.parts.1.type', '--cache-dir', cacheDir]);
  assert.equal(type.stdout, 'script\n');
});

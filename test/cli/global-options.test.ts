// Every command treats a bad global option and a bad config file the same way; help with no command or an unknown one; serve's one-line ready line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCache } from '../../src/cache/cache.js';
import { doc, makeRoot, removeRoots } from '../appliers/root.js';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };
let emulator: Emulator | undefined;
let warm = '';
let dir = '';

before(async () => {
  emulator = await startEmulator();
  warm = makeRoot();
  await writeCache(warm, doc());
  dir = makeRoot({ 'unknown.yaml': 'user: alice\nbogus: 1\n', 'bad.yaml': 'user: [alice\n', 'comments.yaml': '# user: alice\n\n#only: [hostname]\n' });
});

after(async () => {
  await emulator?.stop();
  removeRoots();
});

/** One line on stderr, nothing on stdout, exit 2. */
function refused(result: CliResult, pattern: RegExp): void {
  assert.equal(result.status, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.split('\n').length, 2, result.stderr);
}

/** Each command with what it needs to get as far as reading its options (nothing it does reaches outside loopback). */
function commands(): [string, string[]][] {
  const scratch = makeRoot();
  return [
    ['route', ['route']],
    ['completion', ['completion', 'bash']],
    ['get (warm cache)', ['get', 'hostname', '--cache-dir', warm]],
    ['fetch', ['fetch', '--cache-dir', scratch]],
    ['apply', ['apply', '--dry-run', '--root', scratch, '--no-live', '--cache-dir', warm, '--state-dir', scratch]],
    ['boot', ['boot', '--dry-run', '--root', scratch, '--no-live', '--cache-dir', scratch, '--state-dir', scratch]],
    ['validate', ['validate', '--root', scratch]],
    ['doctor', ['doctor', '--cache-dir', scratch]],
  ];
}

describe('a bad --endpoint is refused by every command before it runs', () => {
  for (const [name, args] of commands()) {
    it(`${name}: --endpoint bad and MDCTL_ENDPOINT=bad are exit 2 with one line`, async () => {
      refused(await runCli([...args, '--endpoint', 'bad'], { env: ENV }), /^mdctl: --endpoint "bad": not a URL \(use http:\/\/HOST\[:PORT\], e\.g\. http:\/\/169\.254\.169\.254 .*\)\n$/);
      refused(await runCli(args, { env: { ...ENV, MDCTL_ENDPOINT: 'ftp://169.254.169.254' } }), /^mdctl: --endpoint "ftp:\/\/169\.254\.169\.254": unsupported scheme "ftp:" \(use http/);
    });
  }
});

describe('a config file named on purpose that is missing or bad is exit 2 for every command that reads it', () => {
  const readers = commands().filter(([name]) => ['get (warm cache)', 'fetch', 'apply', 'boot'].includes(name));
  for (const [name, args] of readers) {
    it(`${name}: missing, an unknown key, bad YAML`, async () => {
      const endpoint = ['--endpoint', emulator?.url ?? ''];
      refused(await runCli([...args, ...endpoint, '--config', join(dir, 'missing.yaml')], { env: ENV }), /^mdctl: config ".*missing\.yaml": no such file \(--config and MDCTL_CONFIG must name a file that exists; .*\)\n$/);
      refused(await runCli([...args, ...endpoint], { env: { ...ENV, MDCTL_CONFIG: join(dir, 'unknown.yaml') } }), /^mdctl: config ".*unknown\.yaml": "bogus" is not a known key \(keys: .*\)\n$/);
      // js-yaml's reason and position, the file named once, no escaped quotes.
      refused(await runCli([...args, ...endpoint, '--config', join(dir, 'bad.yaml')], { env: ENV }), /^mdctl: config ".*bad\.yaml": not valid YAML: [^"\\]* at line 2, column 1 \(.*man mdctl\)\n$/);
    });
  }

  it('get answers from a warm cache when the config is absent at its default path or holds only comments', async () => {
    for (const config of [[], ['--config', join(dir, 'comments.yaml')]]) {
      const result = await runCli(['get', 'hostname', '--cache-dir', warm, ...config], { env: ENV });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, 'dvr3-demo12.novalocal\n');
    }
  });

  it('doctor reports a bad config as a failed hop, exit 2, after walking the path', async () => {
    const result = await runCli(['doctor', '--json', '--endpoint', emulator?.url ?? '', '--cache-dir', warm, '--config', join(dir, 'unknown.yaml')], { env: ENV });
    assert.equal(result.status, 2, result.stderr);
    const hops = JSON.parse(result.stdout) as { id: string; status: string; message: string }[];
    assert.equal(hops.find((hop) => hop.id === 'files')?.status, 'pass');
    const config = hops.find((hop) => hop.id === 'config');
    assert.equal(config?.status, 'fail');
    assert.match(config?.message ?? '', /"bogus" is not a known key/);
    const healthy = await runCli(['doctor', '--json', '--endpoint', emulator?.url ?? '', '--cache-dir', warm, '--config', join(dir, 'comments.yaml')], { env: ENV });
    assert.equal(healthy.status, 0, healthy.stderr);
  });
});

describe('output formats and help', () => {
  it('--json with --yaml is a usage error, for every command', async () => {
    for (const [, args] of commands()) refused(await runCli([...args, '--json', '--yaml'], { env: ENV }), /^mdctl: --json and --yaml: give one of them, not both\n$/);
  });

  it('mdctl with no arguments prints the help on stdout and exits 0, as mdctl --help does', async () => {
    const bare = await runCli([], { env: ENV });
    const help = await runCli(['--help'], { env: ENV });
    assert.equal(bare.status, 0);
    assert.equal(bare.stderr, '');
    assert.match(bare.stdout, /^Usage: mdctl \[options\] \[command\]\n/);
    assert.equal(bare.stdout, help.stdout);
  });

  it('mdctl help COMMAND prints that command\'s help; help of an unknown command says so, exit 2', async () => {
    const fetch = await runCli(['help', 'fetch'], { env: ENV });
    assert.equal(fetch.status, 0);
    assert.match(fetch.stdout, /^Usage: mdctl fetch \[options\]\n/);
    refused(await runCli(['help', 'bogus'], { env: ENV }), /^mdctl: help: unknown command "bogus" \(see mdctl --help for the commands\)\n$/);
  });

  it('serve --json prints its ready line as one line of JSON', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--json', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code} before it was ready`)));
    });
    child.kill('SIGTERM');
    const ready = JSON.parse(line) as { listening: string[] };
    assert.match(ready.listening[0] ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  });
});


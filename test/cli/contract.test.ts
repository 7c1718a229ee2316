// The command-line contract (DESIGN.md section 3) for every command, run as a process: help, usage errors, exit codes, --json, --quiet, colour, spinner, env, Ctrl-C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { COMMANDS, GLOBAL_OPTIONS } from '../../src/cli/spec.js';
import { VERSION } from '../../src/cli/version.js';
import { BIN, runCli, type CliOptions, type CliResult } from '../helpers/cli.js';
import { startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';
import { addAddr, addRoute, cleanup, createNetns, run, uniqueName, vethPair, wrap } from '../helpers/netns.js';
import { closedPort } from '../sources/front.js';

const INSTANCE_ID = '795fed3a-431a-4b89-bd80-ffac22196e72';
/** No variable of the host may steer a run: every test names what it wants. */
const CLEAN_ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined, CI: undefined };
const STACK = /^\s+at /m;
const ESC = String.fromCharCode(27);

const GUEST = uniqueName('rcg');
const HOST = uniqueName('rch');
const NONE = uniqueName('rc0');

let base = '';
let good: Emulator;
let refusing: Emulator;
let slow: Emulator;
let closed = '';
let config = '';
let root = '';
let counter = 0;

/** A fresh directory under the test's temp dir. */
async function fresh(name: string): Promise<string> {
  counter += 1;
  const dir = join(base, `${name}-${counter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** An image root where every applier can plan: root's home, hostname, hosts. */
async function imageRoot(): Promise<string> {
  const dir = await fresh('root');
  await mkdir(join(dir, 'etc'), { recursive: true });
  await mkdir(join(dir, 'root'), { recursive: true });
  await writeFile(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  await writeFile(join(dir, 'etc', 'hostname'), 'localhost\n');
  await writeFile(join(dir, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  await mkdir(join(dir, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  await symlink('/lib/systemd/system/systemd-networkd.service', join(dir, 'etc/systemd/system/multi-user.target.wants/systemd-networkd.service'));
  return dir;
}

/** --endpoint, a fresh cache and state dir, the empty config: a run that touches nothing of the host. */
async function isolated(endpoint = good.url): Promise<string[]> {
  const dir = await fresh('run');
  return ['--endpoint', endpoint, '--cache-dir', join(dir, 'cache'), '--state-dir', join(dir, 'state'), '--config', config];
}

function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runCli(args, { ...options, env: { ...CLEAN_ENV, ...options.env } });
}

/** Exactly one line on stderr, `mdctl: ...`, no stack trace. */
function oneErrorLine(result: CliResult, status: number, what: string): void {
  assert.equal(result.status, status, `${what}: exit status; stderr: ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `${what}: one stderr line, got ${JSON.stringify(result.stderr)}`);
  assert.match(lines[0] ?? '', /^mdctl: \S/, what);
  assert.doesNotMatch(result.stderr, STACK, `${what}: no stack trace`);
}

function parsesAsJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    assert.fail(`${what}: stdout is not JSON (${String(error)}): ${JSON.stringify(text.slice(0, 200))}`);
  }
}

/** How each command runs to a result without the host's network: args after the isolating options, and its status. */
interface Case {
  name: string;
  args: () => Promise<string[]>;
  status: number;
  wrap?: string[];
}

const CASES: Case[] = [
  { name: 'route', args: async () => ['route'], status: 0, wrap: wrap(GUEST) },
  { name: 'fetch', args: async () => [...(await isolated()), 'fetch'], status: 0 },
  { name: 'get', args: async () => [...(await isolated()), 'get', 'hostname'], status: 0 },
  { name: 'apply', args: async () => [...(await isolated()), 'apply', '--root', await imageRoot(), '--no-live', '--dry-run'], status: 0 },
  { name: 'boot', args: async () => [...(await isolated()), 'boot', '--root', await imageRoot(), '--no-live'], status: 0 },
  // A bare root fails the image checks: validate's report still comes out (exit 5).
  { name: 'validate', args: async () => [...(await isolated()), 'validate', '--root', await imageRoot()], status: 5 },
  { name: 'doctor', args: async () => [...(await isolated()), 'doctor'], status: 0 },
  { name: 'install', args: async () => ['install', '--root', await fresh('image'), '--dry-run'], status: 0 },
  { name: 'completion', args: async () => ['completion', 'bash'], status: 0 },
];

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mdctl-contract-'));
  config = join(base, 'config.yaml');
  await writeFile(config, '# no settings\n');
  root = await imageRoot();
  const refuse = await writeFixture('- path: /openstack\n  status: 403\n');
  const delay = await writeFixture('- path: /openstack/*/meta_data.json\n  delay_ms: 60000\n');
  [good, refusing, slow, closed] = await Promise.all([startEmulator(), startEmulator({ faults: refuse }), startEmulator({ faults: delay }), closedPort()]);

  // GUEST reaches 169.254.169.254 via 192.0.2.1 on eth0; HOST holds the address and answers nothing (refused). NONE has only lo.
  await Promise.all([GUEST, HOST, NONE].map((ns) => createNetns(ns)));
  const hostIf = uniqueName('rcv');
  await vethPair({ hostNs: HOST, guestNs: GUEST, hostIf, guestIf: 'eth0' });
  await addAddr(HOST, hostIf, '192.0.2.1/24');
  await addAddr(HOST, 'lo', '169.254.169.254/32');
  await addAddr(GUEST, 'eth0', '192.0.2.10/24');
  await addRoute(GUEST, '169.254.169.254/32', { via: '192.0.2.1', dev: 'eth0' });
  await run([...wrap(GUEST), 'sysctl', '-qw', 'net.ipv6.conf.eth0.disable_ipv6=1']);
});

after(async () => {
  await Promise.all([good, refusing, slow].filter((e) => e !== undefined).map((e) => e.stop()));
  await cleanup();
  await rm(base, { recursive: true, force: true });
});

describe('every command', () => {
  it('has --help: exit 0, its own options and the global ones, nothing on stderr', async () => {
    const results = await Promise.all(COMMANDS.map((c) => cli([c.name, '--help'])));
    for (const [index, command] of COMMANDS.entries()) {
      const result = results[index]!;
      assert.equal(result.status, 0, command.name);
      assert.equal(result.stderr, '', command.name);
      assert.match(result.stdout, new RegExp(`^Usage: mdctl ${command.name}\\b`, 'm'), command.name);
      for (const option of [...command.options, ...GLOBAL_OPTIONS]) {
        const long = /--[\w-]+/.exec(option.flags)?.[0] ?? '';
        assert.ok(result.stdout.includes(long), `${command.name} --help lists ${long}`);
      }
    }
  });

  it('refuses an unknown option: exit 2, one line naming it and the command\'s help', async () => {
    const results = await Promise.all(COMMANDS.map((c) => cli([c.name, '--bogus'])));
    for (const [index, command] of COMMANDS.entries()) {
      const result = results[index]!;
      oneErrorLine(result, 2, `${command.name} --bogus`);
      assert.match(result.stderr, new RegExp(`'--bogus'.*mdctl ${command.name} --help`), command.name);
      assert.equal(result.stdout, '', command.name);
    }
  });

  it('refuses a bad --timeout and a bad --source before doing anything: exit 2, one line, empty stdout with --json', async () => {
    const bad = [
      ['--timeout', 'abc'],
      ['--timeout', '0'],
      ['--source', 'bogus'],
    ];
    for (const [flag, value] of bad) {
      const results = await Promise.all(CASES.map(async (c) => cli([...(await c.args()), flag!, value!, '--json'], c.wrap ? { wrap: c.wrap } : {})));
      for (const [index, c] of CASES.entries()) {
        const result = results[index]!;
        oneErrorLine(result, 2, `${c.name} ${flag} ${value}`);
        assert.match(result.stderr, new RegExp(`^mdctl: ${flag} "${value}": `), c.name);
        assert.equal(result.stdout, '', `${c.name}: nothing on stdout`);
      }
    }
  });

  it('refuses each command\'s own bad values: exit 2, one line', async () => {
    const image = await fresh('image');
    // A warm cache: apply refuses an unknown applier id without fetching anything.
    const warm = await isolated();
    assert.equal((await cli([...warm, 'fetch', '-q'])).status, 0);
    const cases: [string[], RegExp][] = [
      [['serve', '--port', '99999'], /--port: "99999" is not a port/],
      [['serve', '--port', 'abc'], /--port: "abc" is not a port/],
      [['serve', '--listen', 'nowhere'], /--listen: "nowhere" is not an IP address/],
      [['serve', '--fixture', join(base, 'missing.yaml')], /missing\.yaml/],
      [['install'], /--root DIR is required/],
      [['install', '--root', join(image, 'missing')], /no such directory/],
      [['completion', 'zsh'], /unknown shell "zsh"/],
      [['completion'], /missing required argument 'shell'/],
      [['get', 'a', 'b'], /too many arguments/],
      [['validate', '--root', root, '--endpoint', good.url, '--fixture', config], /not both/],
      [[...warm, 'apply', '--root', root, '--only', 'nope'], /unknown applier "nope"/],
      [['fetch', '--endpoint', 'ftp://x', '--cache-dir', join(image, 'cache')], /unsupported scheme/],
      [['nosuchcommand'], /unknown command 'nosuchcommand'/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    for (const [index, [args, message]] of cases.entries()) {
      const result = results[index]!;
      oneErrorLine(result, 2, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  it('with --json prints JSON and nothing else on stdout; with --yaml YAML', async () => {
    const results = await Promise.all(CASES.map(async (c) => cli([...(await c.args()), '--json'], c.wrap ? { wrap: c.wrap } : {})));
    for (const [index, c] of CASES.entries()) {
      const result = results[index]!;
      assert.equal(result.status, c.status, `${c.name}: ${result.stderr}`);
      parsesAsJson(result.stdout, c.name);
    }
    const yaml = await Promise.all(CASES.map(async (c) => cli([...(await c.args()), '--yaml'], c.wrap ? { wrap: c.wrap } : {})));
    for (const [index, c] of CASES.entries()) {
      assert.equal(yaml[index]!.status, c.status, `${c.name} --yaml: ${yaml[index]!.stderr}`);
      assert.equal(typeof load(yaml[index]!.stdout), typeof JSON.parse(results[index]!.stdout), `${c.name}: --yaml parses to what --json does`);
    }
  });

  it('--yaml and --json print the same document', async () => {
    const args = await isolated();
    assert.equal((await cli([...args, 'fetch', '-q'])).status, 0);
    const [json, yaml] = await Promise.all([cli([...args, 'get', '--json']), cli([...args, 'get', '--yaml'])]);
    assert.equal(yaml.status, 0, yaml.stderr);
    assert.deepEqual(load(yaml.stdout), JSON.parse(json.stdout));
  });

  it('with --quiet prints no human message on stderr', async () => {
    const results = await Promise.all(CASES.map(async (c) => cli([...(await c.args()), '--quiet'], c.wrap ? { wrap: c.wrap } : {})));
    for (const [index, c] of CASES.entries()) {
      assert.equal(results[index]!.status, c.status, c.name);
      assert.equal(results[index]!.stderr, '', `${c.name} --quiet: stderr`);
    }
  });

  it('writes no escape sequence when stdout is not a terminal, even without NO_COLOR', async () => {
    const results = await Promise.all(CASES.map(async (c) => cli([...(await c.args())], { env: { NO_COLOR: undefined, TERM: 'xterm-256color', FORCE_COLOR: undefined }, ...(c.wrap ? { wrap: c.wrap } : {}) })));
    for (const [index, c] of CASES.entries()) {
      const result = results[index]!;
      assert.equal(result.status, c.status, `${c.name}: ${result.stderr}`);
      assert.ok(!result.stdout.includes(ESC) && !result.stderr.includes(ESC), `${c.name}: no escape sequence`);
    }
  });

  it('accepts the global options after the command name', async () => {
    const dir = await fresh('after');
    const result = await cli(['get', 'hostname', '--json', '--endpoint', good.url, '--cache-dir', join(dir, 'cache'), '--timeout', '5']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout), 'dvr3-demo12.novalocal');
    assert.deepEqual((await readdir(join(dir, 'cache'))).sort(), ['instance-sensitive.json', 'instance.json']);
  });
});

describe('exit statuses', () => {
  it('0 success, 1 a missing key, 2 usage, 3 an applier failed, 4 unreachable, 5 refused', async () => {
    const bare = await fresh('bare');
    await mkdir(join(bare, 'etc'));
    await writeFile(join(bare, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    const [ok, missing, usage, partial, unreachable, refused] = await Promise.all([
      cli([...(await isolated()), 'get', 'instance-id']),
      cli([...(await isolated()), 'get', 'no.such.key', '--json']),
      cli(['get', '--no-such-flag']),
      // root's home does not exist in this image: ssh-keys fails, hostname still applies.
      cli([...(await isolated()), 'apply', '--root', bare, '--no-live', '--json']),
      cli([...(await isolated(closed)), 'fetch', '--timeout', '1', '--json']),
      cli([...(await isolated(refusing.url)), 'fetch', '--json']),
    ]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, `${INSTANCE_ID}\n`);
    oneErrorLine(missing, 1, 'get of a missing key');
    assert.equal(missing.stdout, '', 'a failed --json run prints nothing on stdout');
    oneErrorLine(usage, 2, 'unknown flag');
    assert.equal(partial.status, 3, partial.stderr);
    assert.match(partial.stderr, /^mdctl: ssh-keys: /m);
    assert.doesNotMatch(partial.stderr, STACK);
    const report = parsesAsJson(partial.stdout, 'apply exit 3') as { appliers: { id: string; status: string }[] };
    assert.deepEqual(report.appliers.filter((a) => a.status === 'failed').map((a) => a.id), ['ssh-keys']);
    assert.equal(await readFile(join(bare, 'etc', 'hostname'), 'utf8'), 'dvr3-demo12\n', 'the other appliers ran');
    oneErrorLine(unreachable, 4, 'closed port');
    assert.equal(unreachable.stdout, '');
    oneErrorLine(refused, 5, '403 on /openstack');
    assert.equal(refused.stdout, '');
  });

  it('prints a stack trace only with --debug', async () => {
    const [plain, debug] = await Promise.all([
      cli([...(await isolated(closed)), 'fetch', '--timeout', '0.5']),
      cli([...(await isolated(closed)), 'fetch', '--timeout', '0.5', '--debug']),
    ]);
    assert.equal(plain.status, 4);
    assert.doesNotMatch(plain.stderr, STACK);
    assert.equal(debug.status, 4);
    assert.match(debug.stderr, STACK);
  });

  it('route and doctor without --endpoint: exit 4 where there is no route, one line; doctor reports its hops as JSON', async () => {
    const [route, doctor, fetch] = await Promise.all([
      cli(['route', '--json'], { wrap: wrap(NONE) }),
      cli(['doctor', '--json', '--cache-dir', join(base, 'none')], { wrap: wrap(NONE) }),
      cli(['fetch', '--json', '--cache-dir', join(base, 'none'), '--timeout', '2'], { wrap: wrap(NONE) }),
    ]);
    oneErrorLine(route, 4, 'route with no route');
    assert.equal(route.stdout, '');
    assert.match(route.stderr, /no route to 169\.254\.169\.254/);
    assert.equal(doctor.status, 4, doctor.stderr);
    const hops = parsesAsJson(doctor.stdout, 'doctor') as { id: string; status: string }[];
    assert.equal(hops.find((hop) => hop.id === 'route')?.status, 'fail');
    oneErrorLine(fetch, 4, 'fetch with no route');
    assert.equal(fetch.stdout, '');
  });

  it('doctor without --endpoint walks to the service the route names (nothing listens there: exit 4)', async () => {
    const result = await cli(['doctor', '--json', '--cache-dir', join(base, 'none'), '--timeout', '5'], { wrap: wrap(GUEST) });
    assert.equal(result.status, 4, result.stderr);
    const hops = parsesAsJson(result.stdout, 'doctor') as { id: string; status: string }[];
    assert.equal(hops.find((hop) => hop.id === 'route')?.status, 'pass');
    assert.equal(hops.find((hop) => hop.id === 'tcp')?.status, 'fail');
  });
});

describe('version', () => {
  it('-V and --version print the version of package.json, and src/cli/version.ts matches it', async () => {
    const pkg = JSON.parse(await readFile(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string };
    assert.equal(VERSION, pkg.version);
    const [short, long] = await Promise.all([cli(['-V']), cli(['--version'])]);
    assert.equal(short.stdout, `${pkg.version}\n`);
    assert.equal(long.stdout, `${pkg.version}\n`);
    assert.equal(short.status, 0);
  });
});

describe('environment', () => {
  it('MDCTL_ENDPOINT, MDCTL_CACHE_DIR, MDCTL_STATE_DIR stand in for their options', async () => {
    const dir = await fresh('env');
    const env = { MDCTL_ENDPOINT: good.url, MDCTL_CACHE_DIR: join(dir, 'cache'), MDCTL_STATE_DIR: join(dir, 'state') };
    const boot = await cli(['boot', '--root', await imageRoot(), '--no-live', '--config', config, '-q'], { env });
    assert.equal(boot.status, 0, boot.stderr);
    assert.deepEqual((await readdir(join(dir, 'cache'))).sort(), ['instance-sensitive.json', 'instance.json']);
    assert.ok((await readdir(join(dir, 'state', 'instances'))).includes(`${INSTANCE_ID}.json`));
    const get = await cli(['get', 'hostname'], { env: { MDCTL_CACHE_DIR: join(dir, 'cache'), MDCTL_ENDPOINT: closed } });
    assert.equal(get.stdout, 'dvr3-demo12.novalocal\n', 'answered from the cache MDCTL_CACHE_DIR names');
  });

  it('MDCTL_CONFIG names the config file; the option wins over it', async () => {
    const bad = join(await fresh('cfg'), 'config.yaml');
    await writeFile(bad, 'no_such_key: 1\n');
    const args = [...(await isolated()), 'apply', '--root', root, '--no-live', '--dry-run'].filter((_, i, all) => all[i] !== '--config' && all[i - 1] !== '--config');
    const [fromEnv, overridden] = await Promise.all([cli(args, { env: { MDCTL_CONFIG: bad } }), cli([...args, '--config', config], { env: { MDCTL_CONFIG: bad } })]);
    oneErrorLine(fromEnv, 2, 'MDCTL_CONFIG with an unknown key');
    assert.match(fromEnv.stderr, /"no_such_key" is not a known key/);
    assert.equal(overridden.status, 0, overridden.stderr);
  });

  it('NO_COLOR and --no-color on a terminal: no escape sequence at all; without them: colour on stdout', async () => {
    const [coloured, noColor, flag] = await Promise.all([
      onTerminal([...(await isolated()), 'fetch']),
      onTerminal([...(await isolated()), 'fetch'], 'NO_COLOR=1'),
      onTerminal([...(await isolated()), 'fetch', '--no-color']),
    ]);
    assert.match(coloured.output, new RegExp(`${ESC}\\[\\d+m`), 'the summary is coloured on a terminal');
    assert.ok(!noColor.output.includes(ESC), 'NO_COLOR: no escape sequence');
    assert.ok(!flag.output.includes(ESC), '--no-color: no escape sequence');
    assert.match(noColor.output, /hostname dvr3-demo12\.novalocal/);
  });
});

/** Runs mdctl on a terminal (util-linux `script`, 100x40) and returns what the terminal showed; stdout may go to a file. */
function onTerminal(args: string[], envAssign = '', redirect = ''): Promise<{ status: number | null; output: string }> {
  const quoted = [process.execPath, BIN, ...args].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const command = `stty cols 100 rows 40; env ${envAssign} ${quoted} ${redirect}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...CLEAN_ENV, NO_COLOR: undefined, TERM: 'xterm-256color' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('on a terminal', () => {
  it('the spinner goes to stderr only, and never with --json or --quiet', async () => {
    const dir = await fresh('tty');
    const out = join(dir, 'stdout');
    const args = [...(await isolated()), 'fetch'];
    const spinning = await onTerminal(args, '', `>'${out}'`);
    assert.equal(spinning.status, 0, spinning.output);
    assert.match(spinning.output, /Fetching instance metadata/, 'the spinner is drawn on the terminal (stderr)');
    const stdout = await readFile(out, 'utf8');
    assert.ok(!stdout.includes('Fetching') && !stdout.includes(ESC), 'stdout (a file) holds the summary only, without escapes');
    assert.match(stdout, /^hostname +dvr3-demo12\.novalocal$/m);
    const [json, quiet] = await Promise.all([onTerminal([...(await isolated()), 'fetch', '--json']), onTerminal([...(await isolated()), 'fetch', '--quiet'])]);
    assert.doesNotMatch(json.output, /Fetching/);
    assert.equal(JSON.parse(json.output.replace(/\r\n/g, '\n')).instance_id, INSTANCE_ID);
    assert.equal(quiet.output, '');
  });
});

describe('Ctrl-C', () => {
  it('SIGINT during a slow fetch ends mdctl at once (status 130 or the signal) and leaves no cache', async () => {
    for (const command of [['fetch'], ['get', 'hostname'], ['boot', '--root', root, '--no-live']]) {
      const dir = await fresh('sigint');
      const before = (await slow.requests()).length;
      const child = spawn(process.execPath, [BIN, '--endpoint', slow.url, '--cache-dir', join(dir, 'cache'), '--state-dir', join(dir, 'state'), '--config', config, '--timeout', '120', ...command], {
        env: { ...process.env, ...CLEAN_ENV, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const ended = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (status, signal) => resolve({ status, signal })));
      // The listing has been answered: the request for meta_data.json is the one held by the delay.
      while (child.exitCode === null && !(await slow.requests()).slice(before).some((entry) => /^\/openstack\/[^/]+\/?$/.test(entry.path))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill('SIGINT');
      const { status, signal } = await ended;
      assert.ok(status === 130 || signal === 'SIGINT', `${command[0]}: ended by SIGINT (status ${status}, signal ${signal})`);
      const left = await readdir(join(dir, 'cache')).catch(() => []);
      assert.deepEqual(left, [], `${command[0]}: no cache written`);
    }
  });
});

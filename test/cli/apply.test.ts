// `mdctl apply` as a process: plan text and JSON, dry run, idempotence, refusals (exit 3), selection, plugins, symlinks.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeCache } from '../../src/cache/cache.js';
import type { Instance } from '../../src/core/instance.js';
import { KEYS } from '../appliers/keys.js';
import { PASSWD, doc, makeRoot, removeRoots, snapshot } from '../appliers/root.js';
import { runCli } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, type Emulator } from '../helpers/emulator.js';

let emulator: Emulator | undefined;
before(async () => {
  emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE });
});
after(async () => {
  await emulator?.stop();
  removeRoots();
});

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };

interface Setup {
  root: string;
  cache: string;
  state: string;
  args: string[];
}

/** An image root, empty cache and state dirs, an empty config, and the apply arguments that use them (never live). */
function setup(): Setup {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/hosts': '127.0.0.1 localhost\n' });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  mkdirSync(join(root, 'home/bob'), { recursive: true });
  const cache = makeRoot();
  const state = makeRoot();
  const config = join(makeRoot({ 'config.yaml': '# no settings\n' }), 'config.yaml');
  return { root, cache, state, args: ['--root', root, '--no-live', '--cache-dir', cache, '--state-dir', state, '--config', config] };
}

async function cached(s: Setup, overrides: Partial<Instance>): Promise<void> {
  await writeCache(s.cache, doc(overrides));
}

function apply(s: Setup, extra: string[] = []) {
  return runCli(['apply', ...s.args, ...extra], { env: ENV });
}

test('with no cache, apply fetches, prints the plan as a diff, applies it; a second run changes nothing', async () => {
  const s = setup();
  const first = await apply(s, ['--endpoint', emulator!.url, '--only', 'hostname,ssh-keys,routes']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^hostname\n {2}\+ .*\/etc\/hostname: set to "dvr3-demo12"\n {6}\+ dvr3-demo12\n/);
  assert.match(first.stdout, /\nroutes\n {2}\+ route default via 192\.168\.0\.1: add \(skipped: not live\)\n/);
  assert.match(first.stdout, /\n4 applied, 0 unchanged, 4 skipped\n$/);
  assert.equal(readFileSync(join(s.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  assert.match(readFileSync(join(s.root, 'home/alice/.ssh/authorized_keys'), 'utf8'), /root@wglee-controller-001\n# END mdctl managed keys\n$/);
  const written = snapshot(s.root);
  const second = await apply(s, ['--only', 'hostname,ssh-keys,routes']);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /\n0 applied, 3 unchanged, 4 skipped\n$/);
  assert.deepEqual(snapshot(s.root), written);
});

test('--dry-run prints the plan and changes nothing, state included', async () => {
  const s = setup();
  await cached(s, { public_keys: [{ name: 'k', type: 'ssh', data: KEYS.ed25519 }] });
  const root = snapshot(s.root);
  const state = snapshot(s.state);
  const result = await apply(s, ['--dry-run', '--skip', 'write-files,scripts']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ssh-keys\n {2}\+ .*\/home\/alice\/\.ssh: create with mode 0700, owner "alice"\n/);
  assert.match(result.stdout, /\n4 to change \(dry run\), 0 unchanged, 1 skipped\n$/);
  assert.deepEqual(snapshot(s.root), root);
  assert.deepEqual(snapshot(s.state), state);
});

test('--dry-run with no cache fetches but writes no cache', async () => {
  const s = setup();
  const result = await apply(s, ['--endpoint', emulator?.url ?? '', '--dry-run', '--only', 'hostname']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /hostname\n/);
  assert.deepEqual(readdirSync(s.cache), []);
});

test('--json prints changes, results and each applier on stdout, nothing else', async () => {
  const s = setup();
  await cached(s, {});
  const result = await apply(s, ['--json', '--only', 'hostname']);
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { changes: { action: string; data?: unknown }[]; results: { status: string }[]; appliers: { id: string; status: string }[] };
  assert.deepEqual(
    report.changes.map((change) => change.action),
    ['create', 'update', 'update'],
  );
  assert.ok(report.changes.every((change) => change.data === undefined));
  assert.deepEqual(
    report.results.map((r) => r.status),
    ['applied', 'applied', 'skipped'],
  );
  assert.deepEqual(report.appliers, [{ id: 'hostname', status: 'ok', errors: [], warnings: [] }]);
});

test('a hostile hostname and a bad key fail their appliers only: exit 3, nothing of them written, the rest applied', async () => {
  const s = setup();
  writeFileSync(join(s.root, 'etc/hostname'), 'debian\n');
  await cached(s, {
    hostname: 'a;rm -rf /',
    public_keys: [{ name: 'pair', type: 'ssh', data: `${KEYS.rsa}\ncommand="sh" ${KEYS.ed25519}` }],
  });
  const etc = { hostname: readFileSync(join(s.root, 'etc/hostname')), hosts: readFileSync(join(s.root, 'etc/hosts')) };
  const result = await apply(s, ['--only', 'hostname,ssh-keys,routes']);
  assert.equal(result.status, 3, result.stderr);
  assert.match(result.stderr, /^mdctl: hostname: hostname "a;rm -rf \/" refused: characters other than/m);
  assert.match(result.stderr, /^mdctl: ssh-keys: SSH key "command=\\"sh\\" ssh-ed25519 .*" refused: options before the key type are not accepted \(key entry "pair"\); skipped$/m);
  assert.ok(result.stderr.split('\n').every((line) => line === '' || line.startsWith('mdctl: ')), result.stderr);
  assert.deepEqual(readFileSync(join(s.root, 'etc/hostname')), etc.hostname);
  assert.deepEqual(readFileSync(join(s.root, 'etc/hosts')), etc.hosts);
  assert.equal(readFileSync(join(s.root, 'home/alice/.ssh/authorized_keys'), 'utf8'), `# BEGIN mdctl managed keys\n${KEYS.rsa}\n# END mdctl managed keys\n`);
  assert.match(result.stdout, /failed: hostname, ssh-keys\n$/);
});

test('a symlinked authorized_keys is refused: exit 3 and the target is untouched', async () => {
  const s = setup();
  writeFileSync(join(s.root, 'etc/shadow'), 'root:$6$x:1::::::\n');
  mkdirSync(join(s.root, 'home/alice/.ssh'));
  symlinkSync(join(s.root, 'etc/shadow'), join(s.root, 'home/alice/.ssh/authorized_keys'));
  await cached(s, { public_keys: [{ name: 'k', type: 'ssh', data: KEYS.rsa }] });
  const before = snapshot(join(s.root, 'home'));
  const result = await apply(s, ['--only', 'ssh-keys']);
  assert.equal(result.status, 3);
  assert.match(result.stderr, /^mdctl: ssh-keys: refusing ".*\/home\/alice\/\.ssh\/authorized_keys": ".*" is a symbolic link$/m);
  assert.equal(readFileSync(join(s.root, 'etc/shadow'), 'utf8'), 'root:$6$x:1::::::\n');
  assert.deepEqual(snapshot(join(s.root, 'home')), before);
});

test('--user, --only and --skip choose; an unknown applier id is a usage error', async () => {
  const s = setup();
  await cached(s, { public_keys: [{ name: 'k', type: 'ssh', data: KEYS.rsa }] });
  const bob = await apply(s, ['--user', 'bob', '--skip', 'hostname,routes']);
  assert.equal(bob.status, 0, bob.stderr);
  assert.doesNotMatch(bob.stdout, /^hostname$/m);
  assert.match(readFileSync(join(s.root, 'home/bob/.ssh/authorized_keys'), 'utf8'), /ssh-rsa/);
  const unknown = await apply(s, ['--only', 'hostname,dns']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^mdctl: unknown applier "dns" \(known: hostname, ssh-keys, network, routes, .*\)\n$/);
});

test('a plugin that leaves a timer running does not keep mdctl alive after the run', async () => {
  const s = setup();
  await cached(s, {});
  const plugins = makeRoot({
    'ticker.mjs': `export default { id: 'ticker', description: 'leaves an interval behind', async plan() { setInterval(() => {}, 1000); return []; }, async apply() {} };\n`,
  });
  const result = await runCli(['apply', ...s.args, '--only', 'ticker', '--applier', join(plugins, 'ticker.mjs')], { env: ENV, timeoutMs: 15_000 });
  assert.equal(result.signal, null, 'killed by the test timeout: the process did not exit');
  assert.equal(result.status, 0, result.stderr);
});

test('plugins: one that loads runs after the built-ins; broken ones are reported by name; exit 3', async () => {
  const s = setup();
  await cached(s, {});
  const plugins = makeRoot({
    'good.mjs': `export default { id: 'motd', description: 'writes a motd', async plan(doc, ctx) { return [{ applier: 'motd', action: 'create', target: ctx.root + '/etc/motd', summary: 'write ' + doc.name }]; }, async apply(change, ctx) { const { writeFile } = await import('node:fs/promises'); await writeFile(ctx.root + '/etc/motd', 'hello\\n'); } };\n`,
    'throws.mjs': `throw new Error('boom at import');\n`,
    'shape.mjs': `export default { id: 'Bad Id', plan() {}, apply() {} };\n`,
    'plan-fails.mjs': `export default { id: 'flaky', description: 'x', async plan() { throw new Error('plan broke'); }, async apply() {} };\n`,
  });
  const result = await apply(s, ['--only', 'hostname,motd,flaky', ...['good', 'throws', 'shape', 'plan-fails', 'missing'].flatMap((name) => ['--applier', join(plugins, `${name}.mjs`)])]);
  assert.equal(result.status, 3, result.stderr);
  assert.equal(readFileSync(join(s.root, 'etc/motd'), 'utf8'), 'hello\n');
  assert.equal(readFileSync(join(s.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  assert.match(result.stdout, /\nmotd\n {2}\+ .*\/etc\/motd: write dvr3-demo12\n/);
  assert.match(result.stderr, /^mdctl: plugin ".*throws\.mjs" failed to load: "boom at import"$/m);
  assert.match(result.stderr, /^mdctl: plugin ".*shape\.mjs" is not an applier: id must be a lower-case word/m);
  assert.match(result.stderr, /^mdctl: plugin ".*missing\.mjs" failed to load: /m);
  assert.match(result.stderr, /^mdctl: flaky: plan broke$/m);
});

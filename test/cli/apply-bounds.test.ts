// `mdctl apply` on hostile user-data and values: a parts bomb costs neither hostname nor keys, output stays bounded and escaped.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeCache } from '../../src/cache/cache.js';
import type { Instance } from '../../src/core/instance.js';
import { MAX_MESSAGES } from '../../src/cli/plan-view.js';
import { MAX_INFLATED_BYTES, MAX_PARTS } from '../../src/model/userdata/types.js';
import { KEYS } from '../appliers/keys.js';
import { PASSWD, doc, makeRoot, removeRoots } from '../appliers/root.js';
import { runCli } from '../helpers/cli.js';
import { manyParts } from '../model/userdata-bombs.js';

after(removeRoots);

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };

async function applyTo(overrides: Partial<Instance>, extra: string[] = []): Promise<{ root: string; status: number | null; stdout: string; stderr: string }> {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/hosts': '127.0.0.1 localhost\n' });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  const cache = makeRoot();
  await writeCache(cache, doc(overrides));
  const config = join(makeRoot({ 'config.yaml': '# none\n' }), 'config.yaml');
  const args = ['apply', '--root', root, '--no-live', '--cache-dir', cache, '--state-dir', makeRoot(), '--config', config, '--skip', 'routes', ...extra];
  const result = await runCli(args, { env: ENV, timeoutMs: 60_000 });
  return { root, ...result };
}

const KEY = [{ name: 'k', type: 'ssh', data: KEYS.ed25519 }];

for (const quiet of [[], ['-q']]) {
  test(`millions of empty MIME parts (a few KiB of gzip)${quiet.length > 0 ? ' with -q' : ''}: user-data appliers fail (exit 3), hostname and keys apply`, async () => {
    const bomb = gzipSync(manyParts(Math.floor(MAX_INFLATED_BYTES / 5) - 100), { level: 9 });
    const run = await applyTo({ user_data: bomb.toString('base64'), user_data_encoding: 'base64', public_keys: KEY }, quiet);
    assert.equal(run.status, 3, run.stderr);
    assert.equal(readFileSync(join(run.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
    assert.match(readFileSync(join(run.root, 'home/alice/.ssh/authorized_keys'), 'utf8'), /test-ed25519@mdctl/);
    assert.match(run.stderr, new RegExp(`^mdctl: write-files: user-data refused: part 0 \\(binary\\): user-data has more than ${MAX_PARTS} parts; refused$`, 'm'));
    assert.match(run.stderr, /^mdctl: scripts: user-data refused: .*more than 1000 parts/m);
    assert.ok(run.stderr.split('\n').length < 10, run.stderr);
  });
}

test('a warning per part, a thousand parts: at most MAX_MESSAGES lines per applier, the rest counted, -q or not', async () => {
  const userData = manyParts(MAX_PARTS, 'Content-Type: text/plain\n\nnot acted on').toString();
  for (const quiet of [[], ['-q']]) {
    const run = await applyTo({ user_data: userData }, quiet);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('mdctl: warning: scripts: '));
    assert.equal(lines.length, MAX_MESSAGES + 1);
    assert.equal(lines.at(-1), `mdctl: warning: scripts: … and ${MAX_PARTS - MAX_MESSAGES} more warnings`);
  }
});

test('ESC sequences and newlines in a key comment and a write_files path are printed escaped, --no-color or not', async () => {
  const hostile = `${KEYS.ed25519.split(' ').slice(0, 2).join(' ')} evil\u001b]0;owned\u0007\u001b[2J\u009b31m`;
  const userData = `#cloud-config\nwrite_files:\n  - path: "/tmp/a\\e[31mred\\nfake: line"\n    content: x\n`;
  for (const color of [['--no-color'], []]) {
    const run = await applyTo({ public_keys: [{ name: 'k\u001b[1m', type: 'ssh', data: hostile }], user_data: userData }, ['--dry-run', ...color]);
    assert.equal(run.status, 0, run.stderr);
    for (const output of [run.stdout, run.stderr]) {
      for (const control of ['\u001b', '\u0007', '\u009b']) assert.equal(output.includes(control), false, output);
      assert.doesNotMatch(output, /^fake: line/m);
    }
    assert.match(run.stdout, /\\x1b\]0;owned\\x07\\x1b\[2J\\x9b31m/);
    assert.match(run.stdout, /\/tmp\/a\\x1b\[31mred\\nfake: line/);
  }
});

test('apply --json keeps values exact: JSON escapes, nothing more', async () => {
  const userData = '#cloud-config\nwrite_files:\n  - path: "/tmp/a\\e[31m"\n    content: x\n';
  const run = await applyTo({ user_data: userData }, ['--dry-run', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(run.stdout) as { changes: { target: string }[] };
  assert.ok(json.changes.some((change) => change.target.endsWith('/tmp/a\u001b[31m')), run.stdout);
});

test('validate of a thousand-part user-data: the dry-run check names the first warnings and counts the rest, on one line', async () => {
  const { checkDryRun } = await import('../../src/validate/metadata-checks.js');
  const warnings = Array.from({ length: MAX_PARTS }, (_, i) => `part ${i} is kept and not run`);
  const run = { applier: { id: 'scripts' }, warnings, errors: [], changes: [] } as unknown as Parameters<typeof checkDryRun>[0][number];
  const check = checkDryRun([run], new Set());
  assert.equal(check.status, 'warn');
  assert.match(check.message, new RegExp(`^scripts: part 0 is kept and not run; .*scripts: part 9 is kept and not run; … and ${MAX_PARTS - 10} more; planned scripts 0`));
});

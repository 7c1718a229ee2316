// `mdctl apply` and `mdctl get` as processes on user-data the appliers cannot use (bad YAML, a zip bomb, over 64 KiB), and scripts on a root that is not live.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeCache } from '../../src/cache/cache.js';
import type { Instance } from '../../src/core/instance.js';
import { PASSWD, doc, makeRoot, removeRoots, snapshot } from '../appliers/root.js';
import { runCli } from '../helpers/cli.js';

after(removeRoots);

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };

interface Setup {
  root: string;
  cache: string;
  state: string;
  args: string[];
}

/** A root, a cache holding the document, a state dir, an empty config; never live. */
async function setup(overrides: Partial<Instance>): Promise<Setup> {
  const root = makeRoot({ 'etc/passwd': PASSWD, 'etc/hosts': '127.0.0.1 localhost\n' });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  const cache = makeRoot();
  const state = makeRoot();
  const config = join(makeRoot({ 'config.yaml': '# no settings\n' }), 'config.yaml');
  await writeCache(cache, doc(overrides));
  return { root, cache, state, args: ['--root', root, '--no-live', '--cache-dir', cache, '--state-dir', state, '--config', config] };
}

const apply = (s: Setup, extra: string[] = []) => runCli(['apply', ...s.args, ...extra], { env: ENV });
const get = (s: Setup, key: string, extra: string[] = []) => runCli(['get', key, '--cache-dir', s.cache, ...extra], { env: ENV });

test('malformed YAML fails write-files and scripts with the reason (exit 3); hostname and ssh-keys still apply from meta_data', async () => {
  const s = await setup({ user_data: '#cloud-config\nhostname: other\nwrite_files: [{path: /etc/x, content: y}\n' });
  const result = await apply(s);
  assert.equal(result.status, 3, result.stderr);
  const reason = 'user-data refused: part 0 (cloud-config): malformed YAML: unexpected end of the stream within a flow collection at line 4, column 1';
  assert.match(result.stderr, new RegExp(`^mdctl: write-files: ${reason.replace(/[()]/g, '\\$&')}$`, 'm'));
  assert.match(result.stderr, new RegExp(`^mdctl: scripts: ${reason.replace(/[()]/g, '\\$&')}$`, 'm'));
  assert.equal(readFileSync(join(s.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  assert.ok(!existsSync(join(s.root, 'etc/x')));

  const parts = await get(s, 'user-data.parts', ['--json']);
  assert.equal(parts.status, 0, parts.stderr);
  assert.deepEqual(JSON.parse(parts.stdout), [
    { index: 0, type: 'cloud-config', content_type: 'text/cloud-config', size: 71, error: 'malformed YAML: unexpected end of the stream within a flow collection at line 4, column 1' },
  ]);
  const raw = await get(s, 'user-data');
  assert.equal(raw.stdout, '#cloud-config\nhostname: other\nwrite_files: [{path: /etc/x, content: y}\n', 'get user-data prints what the service sent');
  const missing = await get(s, 'user-data.parts.3');
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'mdctl: get: no key "user-data.parts.3" in the instance document\n');
});

test('a zip bomb is refused by the user-data appliers (exit 3) and nothing is inflated past 16 MiB; the rest applies', async () => {
  const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));
  const s = await setup({ user_data: bomb.toString('base64'), user_data_encoding: 'base64' });
  const result = await apply(s);
  assert.equal(result.status, 3, result.stderr);
  assert.match(result.stderr, /^mdctl: scripts: user-data refused: part 0 \(binary\): gzip inflates to more than 16 MiB; refused$/m);
  assert.equal(readFileSync(join(s.root, 'etc/hostname'), 'utf8'), 'dvr3-demo12\n');
  const parts = await get(s, 'user-data.parts', ['--json']);
  assert.deepEqual(JSON.parse(parts.stdout), [
    { index: 0, type: 'binary', content_type: 'application/gzip', size: bomb.length, gzip: true, error: 'gzip inflates to more than 16 MiB; refused' },
  ]);
});

test("user-data over Nova's 64 KiB is refused", async () => {
  const s = await setup({ user_data: `#!/bin/sh\n${'#'.repeat(70_000)}\n` });
  const result = await apply(s, ['--only', 'scripts']);
  assert.equal(result.status, 3);
  assert.match(result.stderr, /^mdctl: scripts: user-data refused: part 0 \(script\): user-data is 70011 bytes, over Nova's limit of 65535; refused$/m);
});

test('on a root that is not live, scripts are planned and shown, never run; a dry run writes no file', async () => {
  const marker = join(makeRoot(), 'ran');
  const s = await setup({ user_data: `#cloud-config\nwrite_files: [{path: /etc/motd, content: hi}]\nruncmd: [touch ${marker}]\n` });
  const dry = await apply(s, ['--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /\nwrite-files\n {2}\+ .*\/etc\/motd: write 2 bytes, mode 0644, owner root:root\n/);
  assert.match(dry.stdout, new RegExp(`\\nscripts\\n {2}\\+ runcmd-000 "/bin/sh -c touch ${marker}": run once for this instance \\(timeout 300 s\\) \\(skipped: not live\\)\\n`));
  assert.ok(!existsSync(join(s.root, 'etc/motd')));
  const state = snapshot(s.state);
  const real = await apply(s);
  assert.equal(real.status, 0, real.stderr);
  assert.equal(readFileSync(join(s.root, 'etc/motd'), 'utf8'), 'hi');
  assert.ok(!existsSync(marker), 'not run: the root is not live');
  assert.ok(!existsSync(join(s.state, 'instances', doc().instance_id, 'scripts')));
  assert.notDeepEqual(snapshot(s.state), state);
});

// The config file: keys and types checked by name (exit 2), a missing default is fine, its settings reach apply.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeCache } from '../../src/cache/cache.js';
import { loadConfig, parseConfig } from '../../src/config/config.js';
import { KEYS } from '../appliers/keys.js';
import { PASSWD, doc, makeRoot, removeRoots, snapshot } from '../appliers/root.js';
import { runCli } from '../helpers/cli.js';

after(removeRoots);

function configError(pattern: RegExp): (error: Error & { code?: string }) => boolean {
  return (error) => error.code === 'ERR_CONFIG' && pattern.test(error.message) && !error.message.includes('\n');
}

test('every key with its type', () => {
  const config = parseConfig({ user: 'alice', appliers: ['./motd.mjs', 'mdctl-plugin-dns'], only: ['hostname'], skip: ['routes'], boot_timeout: 45 }, '/etc/mdctl/config.yaml');
  assert.deepEqual(config, {
    path: '/etc/mdctl/config.yaml',
    user: 'alice',
    appliers: [
      { name: './motd.mjs', baseDir: '/etc/mdctl' },
      { name: 'mdctl-plugin-dns', baseDir: '/etc/mdctl' },
    ],
    only: ['hostname'],
    skip: ['routes'],
    boot_timeout: 45,
  });
  assert.deepEqual(parseConfig(null, 'c'), { path: 'c', appliers: [] });
});

test('unknown keys and wrong types are refused, naming the key', () => {
  const cases: [unknown, RegExp][] = [
    [{ usr: 'alice' }, /"usr" is not a known key/],
    [{ user: 42 }, /"user" must be a user name/],
    [{ user: 'a b' }, /"user" must be a user name/],
    [{ appliers: 'x.mjs' }, /"appliers" must be a list of non-empty strings/],
    [{ appliers: [''] }, /"appliers" must be a list/],
    [{ only: [1] }, /"only" must be a list/],
    [{ boot_timeout: '120' }, /"boot_timeout" must be a number of seconds/],
    [{ boot_timeout: -1 }, /"boot_timeout" must be a number/],
    [['user'], /must be a mapping/],
    ['text', /must be a mapping/],
    [{ config_drive: ['ext4'] }, /"config_drive" must be a mapping with the key filesystems/],
    [{ config_drive: { filesystems: 'ext4' } }, /"config_drive\.filesystems" must be a list of non-empty strings/],
    [{ config_drive: { filesystems: ['ext4 -o exec'] } }, /"config_drive\.filesystems" holds "ext4 -o exec", not a file system type name/],
    [{ config_drive: { filesystem: ['ext4'] } }, /"config_drive\.filesystem" is not a known key \(config_drive has filesystems\)/],
    [{ config_drive: {} }, /"config_drive\.filesystems" must be a list/],
  ];
  for (const [value, pattern] of cases) assert.throws(() => parseConfig(value, '/c.yaml'), configError(pattern), JSON.stringify(value));
});

test('config_drive.filesystems: the file systems a config drive may be mounted with', () => {
  assert.deepEqual(parseConfig({ config_drive: { filesystems: ['iso9660', 'vfat', 'ext4'] } }, 'c').config_drive, { filesystems: ['iso9660', 'vfat', 'ext4'] });
  assert.equal(parseConfig({ user: 'alice' }, 'c').config_drive, undefined);
});

test('files: a missing default is no config; a missing named file and bad YAML are errors', async () => {
  const dir = makeRoot({ 'bad.yaml': 'user: [unclosed\n', 'ok.yaml': 'user: bob\nboot_timeout: 5\n' });
  assert.deepEqual(await loadConfig(join(dir, 'absent.yaml'), false), { path: null, appliers: [] });
  await assert.rejects(loadConfig(join(dir, 'absent.yaml')), configError(/: no such file$/));
  await assert.rejects(loadConfig(join(dir, 'bad.yaml')), configError(/not valid YAML: unexpected end of the stream within a flow collection at line 2, column 1$/));
  assert.equal((await loadConfig(join(dir, 'ok.yaml'))).user, 'bob');
});

test('through the CLI: a bad config is exit 2 naming the key, and nothing is written', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD });
  const config = join(makeRoot({ 'config.yaml': 'user: alice\nenable: [hostname]\n' }), 'config.yaml');
  const before = snapshot(root);
  const result = await runCli(['apply', '--root', root, '--no-live', '--config', config, '--cache-dir', makeRoot(), '--state-dir', makeRoot()]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /^mdctl: config ".*config\.yaml": "enable" is not a known key \(keys: user, appliers, only, skip, boot_timeout, config_drive, network, host_keys\)\n$/);
  assert.deepEqual(snapshot(root), before);
  const missing = await runCli(['apply', '--config', join(root, 'nope.yaml')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^mdctl: config ".*nope\.yaml": no such file \(--config and MDCTL_CONFIG must name a file that exists; without them mdctl reads \/etc\/mdctl\/config\.yaml if there is one\)\n$/);
});

test('through the CLI: user, skip and a plugin path relative to the config file take effect', async () => {
  const root = makeRoot({ 'etc/passwd': PASSWD });
  mkdirSync(join(root, 'home/bob'), { recursive: true });
  const configDir = makeRoot({
    'config.yaml': 'user: bob\nskip: [hostname, routes]\nappliers: [./plugins/stamp.mjs]\n',
    'plugins/stamp.mjs': `export default { id: 'stamp', description: 'x', async plan(doc, ctx) { return [{ applier: 'stamp', action: 'noop', target: 'stamp', summary: 'user ' + ctx.user }]; }, async apply() {} };\n`,
  });
  const cache = makeRoot();
  await writeCache(cache, doc({ public_keys: [{ name: 'k', type: 'ssh', data: KEYS.ed25519 }] }));
  const result = await runCli(['apply', '--root', root, '--no-live', '--config', join(configDir, 'config.yaml'), '--cache-dir', cache, '--state-dir', makeRoot()]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(readFileSync(join(root, 'home/bob/.ssh/authorized_keys'), 'utf8'), /ssh-ed25519/);
  assert.match(result.stdout, /^stamp\n {2}= stamp: user bob$/m);
  assert.doesNotMatch(result.stdout, /^hostname$/m);
});

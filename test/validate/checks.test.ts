// Unit tests of validate's pure checks and of looking up paths inside an image root without leaving it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApplierRun } from '../../src/appliers/runner.js';
import { entryAt, resolveInImage } from '../../src/validate/image-fs.js';
import { checkBootUnit, checkLocalUnit, checkMachineId, checkMdctlRuns, checkNoHostKeys, checkNoKeys, parseExecStart, type ImageFacts } from '../../src/validate/image-checks.js';
import { checkDryRun, checkUserData, excusedAppliers } from '../../src/validate/metadata-checks.js';
import { exitStatus } from '../../src/validate/report.js';
import { fail, pass, warn } from '../../src/validate/types.js';

const HOST = '/img/usr/bin/mdctl';

function facts(overrides: Partial<ImageFacts> = {}): ImageFacts {
  return {
    launcher: { entry: { kind: 'file', host: HOST, mode: 0o755, uid: 0, size: 80 }, content: 'exec node /usr/lib/mdctl/mdctl.mjs "$@"\n' },
    launcherHost: HOST,
    build: { kind: 'file', host: '/img/usr/lib/mdctl/mdctl.mjs', mode: 0o644, uid: 0, size: 2048 },
    nodes: [
      { path: '/usr/bin/node', entry: { kind: 'absent' } },
      { path: '/usr/local/bin/node', entry: { kind: 'file', host: '/img/usr/local/bin/node', mode: 0o755, uid: 0, size: 1 } },
    ],
    version: null,
    unit: { path: '/usr/lib/systemd/system/mdctl.service', content: '', execStart: { argv: ['/usr/bin/mdctl', 'boot'], host: HOST } },
    unitHost: '/img/usr/lib/systemd/system/mdctl.service',
    wants: { target: '/usr/lib/systemd/system/mdctl.service', host: '/img/usr/lib/systemd/system/mdctl.service' },
    cache: [],
    state: [],
    homes: [],
    keyFiles: [],
    machineIds: [],
    hostKeys: [],
    ...overrides,
  };
}

describe('checkNoKeys', () => {
  it('counts the homes in words that fit: none, the one, several', () => {
    assert.equal(checkNoKeys(facts({ homes: [] })).message, 'no authorized keys: the image has no home directory (no /root, /etc/skel or /home/*)');
    assert.equal(checkNoKeys(facts({ homes: ['/root'] })).message, 'no authorized keys in the one home (/root)');
    assert.equal(checkNoKeys(facts({ homes: ['/root', '/etc/skel'] })).message, 'no authorized keys in 2 homes (/root, /etc/skel)');
  });
});

describe('parseExecStart', () => {
  it('takes the last ExecStart of [Service], without prefixes, comments or other sections', () => {
    const unit = ['[Unit]', 'ExecStart=/bin/false', '[Service]', '# ExecStart=/bin/commented', 'ExecStart=/bin/first', 'ExecStart=-/usr/bin/mdctl boot --debug', '[Install]'].join('\n');
    assert.deepEqual(parseExecStart(unit), ['/usr/bin/mdctl', 'boot', '--debug']);
  });

  it('is null without one, or when the last one resets the list', () => {
    assert.equal(parseExecStart('[Service]\nType=oneshot\n'), null);
    assert.equal(parseExecStart('[Service]\nExecStart=/usr/bin/mdctl boot\nExecStart=\n'), null);
  });
});

describe('image checks', () => {
  it('local-unit: boot --local before network-pre.target, enabled, passes; unordered warns; absent warns', () => {
    const unitPath = '/etc/systemd/system/mdctl-local.service';
    const host = `/img${unitPath}`;
    const local = (content: string, argv = ['/usr/bin/mdctl', 'boot', '--local']): ImageFacts['local'] => ({
      unit: { path: unitPath, content, execStart: { argv, host: HOST } },
      unitHost: host,
      wants: { target: '../mdctl-local.service', host },
    });
    const ordered = '[Unit]\nBefore=network-pre.target\n';
    assert.equal(checkLocalUnit(facts({ local: local(ordered) })).status, 'pass');
    assert.match(checkLocalUnit(facts({ local: local('[Unit]\n') })).message, /not ordered Before=network-pre\.target/);
    assert.equal(checkLocalUnit(facts({ local: local('[Unit]\n') })).status, 'warn');
    assert.equal(checkLocalUnit(facts({ local: local(ordered, ['/usr/bin/mdctl', 'boot']) })).status, 'fail');
    assert.equal(checkLocalUnit(facts()).status, 'warn');
  });

  it('mdctl-runs: node in /usr/local/bin will do', () => {
    assert.deepEqual(checkMdctlRuns(facts()), pass('mdctl-runs', 'launcher /usr/bin/mdctl, build /usr/lib/mdctl/mdctl.mjs (2 KiB), node /usr/local/bin/node'));
  });

  it('mdctl-runs on the live root: the version runs, or its failure is the reason', () => {
    assert.match(checkMdctlRuns(facts({ version: { ok: true, output: '0.1.0\n' } })).message, /, mdctl "0\.1\.0" runs$/);
    assert.deepEqual(
      checkMdctlRuns(facts({ version: { ok: false, error: 'exit status 127' } })),
      fail('mdctl-runs', '`/usr/bin/mdctl --version` failed: exit status 127'),
    );
  });

  it('mdctl-runs: a launcher that is not executable, or does not name the build', () => {
    const launcher = { entry: { kind: 'file' as const, host: HOST, mode: 0o644, uid: 0, size: 80 }, content: '' };
    assert.equal(checkMdctlRuns(facts({ launcher })).message, 'launcher /usr/bin/mdctl is not executable (mode 0644)');
    assert.equal(checkMdctlRuns(facts({ launcher: { ...launcher, entry: { ...launcher.entry, mode: 0o755 } } })).status, 'warn');
  });

  it('boot-unit: a unit shipped in /usr/lib/systemd/system counts', () => {
    assert.equal(checkBootUnit(facts()).status, 'pass');
  });

  it('boot-unit: the launcher with another command, or a wants link elsewhere, fails', () => {
    const unit = { path: '/etc/systemd/system/mdctl.service', content: '', execStart: { argv: ['/usr/bin/mdctl', 'fetch'], host: HOST } };
    assert.match(checkBootUnit(facts({ unit })).message, /ExecStart runs "\/usr\/bin\/mdctl fetch", not `\/usr\/bin\/mdctl boot`$/);
    const wants = { target: '/dev/null', host: '/img/dev/null' };
    assert.match(checkBootUnit(facts({ wants })).message, /^not enabled: .* points to "\/dev\/null", not to /);
  });

  it('machine-id: empty and "uninitialized" pass; a D-Bus copy that is set fails', () => {
    const ids = (content: string, dbus = ''): ImageFacts['machineIds'] => [
      { path: '/etc/machine-id', content },
      { path: '/var/lib/dbus/machine-id', content: dbus },
    ];
    assert.equal(checkMachineId(facts({ machineIds: ids('\n') })).status, 'pass');
    assert.equal(checkMachineId(facts({ machineIds: ids('uninitialized\n') })).status, 'pass');
    assert.match(checkMachineId(facts({ machineIds: ids('', 'abc\n') })).message, /^\/var\/lib\/dbus\/machine-id is set \("abc"\)/);
  });
});

describe('host-keys check', () => {
  it('passes an image without host keys, fails one that ships them, passes them when the config keeps them on purpose', () => {
    assert.deepEqual(checkNoHostKeys(facts(), false), pass('host-keys', 'no SSH host keys in /etc/ssh: each instance gets its own at first boot'));
    const baked = facts({ hostKeys: ['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub', 'ssh_host_rsa_key-cert.pub'] });
    const failed = checkNoHostKeys(baked, false);
    assert.equal(failed.status, 'fail');
    assert.match(failed.message, /^\/etc\/ssh holds ssh_host_ed25519_key, ssh_host_ed25519_key\.pub, ssh_host_rsa_key-cert\.pub: host keys baked into the image/);
    const kept = checkNoHostKeys(baked, true);
    assert.equal(kept.status, 'pass');
    assert.match(kept.message, /kept on purpose \(host_keys\.regenerate is false in the config\)$/);
  });
});

describe('metadata checks', () => {
  it("user-data: Nova's limit is on the base64 size", () => {
    assert.equal(checkUserData(Buffer.alloc(49_149)).status, 'pass');
    assert.equal(checkUserData(Buffer.alloc(49_150)).status, 'fail');
    assert.deepEqual(checkUserData(null), pass('user-data', 'no user data'));
  });

  it('dry-run: an applier whose value check did not pass is left to that check', () => {
    const run = (id: string, errors: string[], warnings: string[] = []): ApplierRun =>
      ({ applier: { id }, changes: [], results: [], errors, warnings, planned: errors.length === 0 }) as unknown as ApplierRun;
    const excused = excusedAppliers([fail('hostname', 'bad'), warn('ssh-keys', 'none'), pass('network-data', 'ok')]);
    assert.deepEqual([...excused].sort(), ['hostname', 'ssh-keys']);
    const runs = [run('hostname', ['refused']), run('ssh-keys', [], ['no keys']), run('routes', [])];
    assert.equal(checkDryRun(runs, excused).status, 'pass');
    assert.deepEqual(checkDryRun([...runs, run('motd', ['boom'])], excused), fail('dry-run', 'motd: boom'));
    assert.equal(checkDryRun([run('routes', [], ['route skipped'])], excused).status, 'warn');
  });
});

describe('exitStatus', () => {
  it('0 without failures; 4 when only the crawl failed for want of an answer; 5 otherwise', () => {
    assert.equal(exitStatus({ results: [pass('config', ''), warn('ssh-keys', '')], unreachable: false }), 0);
    assert.equal(exitStatus({ results: [fail('crawl', '')], unreachable: true }), 4);
    assert.equal(exitStatus({ results: [fail('crawl', '')], unreachable: false }), 5);
    assert.equal(exitStatus({ results: [fail('crawl', ''), fail('no-keys', '')], unreachable: true }), 5);
  });
});

describe('resolveInImage', () => {
  let root = '';
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mdctl-image-fs-'));
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/real'), 'x');
    await symlink('/etc/real', join(root, 'etc/absolute'));
    await symlink('../../../../../etc/real', join(root, 'etc/climbing'));
    await symlink('/etc/passwd-host', join(root, 'etc/outside'));
    await symlink('loop', join(root, 'etc/loop'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('resolves absolute and climbing links inside the root', async () => {
    assert.equal(await resolveInImage(root, '/etc/absolute'), join(root, 'etc/real'));
    assert.equal(await resolveInImage(root, 'etc/climbing'), join(root, 'etc/real'));
  });

  it('never reaches the host: a link to a path the image lacks is absent', async () => {
    assert.equal(await resolveInImage(root, '/etc/outside'), null);
    assert.deepEqual(await entryAt(root, '/etc/outside'), { kind: 'absent' });
  });

  it('refuses a loop', async () => {
    await assert.rejects(resolveInImage(root, '/etc/loop'), (error: Error & { code?: string }) => error.code === 'ERR_UNSAFE_PATH');
  });
});

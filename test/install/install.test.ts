// `mdctl install --root DIR` on temp image roots: the files, the unit, the wants link, idempotence, dry run, refusals.
import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { CONFIG_KEYS, parseConfig } from '../../src/config/config.js';
import { locateArtifacts } from '../../src/install/artifacts.js';
import { defaultConfigText } from '../../src/install/config.js';
import { PATHS, localUnitText, unitText } from '../../src/install/unit.js';
import { VERSION } from '../../src/cli/version.js';
import { runCli } from '../helpers/cli.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = join(REPO, 'dist', 'mdctl.mjs');
const MAN = join(REPO, 'man', 'mdctl.1');
const IMAGE_PATHS = Object.values(PATHS);

interface InstallJson {
  root: string;
  dry_run: boolean;
  files: { path: string; kind: string; action: string }[];
}

/** Every file and directory under `dir`, with type, mode and content (or link target): a whole-tree snapshot. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  async function walk(path: string): Promise<void> {
    for (const name of (await readdir(path)).sort()) {
      const full = join(path, name);
      const stats = await lstat(full);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isSymbolicLink()) result.set(full, `link ${await readlink(full)}`);
      else if (stats.isDirectory()) {
        result.set(full, `dir ${mode}`);
        await walk(full);
      } else result.set(full, `file ${mode} ${stats.mtimeMs} ${stats.ino} ${(await readFile(full)).toString('base64')}`);
    }
  }
  await walk(dir);
  return result;
}

describe('mdctl install', () => {
  let base = '';
  let count = 0;
  const newDir = async (name: string): Promise<string> => {
    count += 1;
    const dir = join(base, `${name}-${count}`);
    await mkdir(dir);
    return dir;
  };
  const install = (...args: string[]) => runCli(['install', ...args]);
  const installJson = async (...args: string[]): Promise<InstallJson> => {
    const result = await install(...args, '--json');
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as InstallJson;
  };
  const actions = (json: InstallJson) => Object.fromEntries(json.files.map((f) => [f.path, f.action]));

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'mdctl-install-'));
    await run(process.execPath, [join(REPO, 'tools', 'bundle.mjs')]);
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('puts the build, launcher, unit, wants link, config and man page into a fresh root', async () => {
    const root = await newDir('fresh');
    const result = await install('--root', root);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 8);
    for (const path of IMAGE_PATHS) assert.match(result.stdout, new RegExp(`^create +${path} `, 'm'));
    assert.match(result.stderr, /wrote 8 of 8 files under /);

    assert.deepEqual(await readFile(join(root, PATHS.bundle)), await readFile(BUNDLE));
    assert.deepEqual(await readFile(join(root, PATHS.manPage)), await readFile(MAN));
    const links: string[] = [PATHS.wants, PATHS.localWants];
    const modes = await Promise.all(IMAGE_PATHS.filter((p) => !links.includes(p)).map(async (p) => [p, (await stat(join(root, p))).mode & 0o7777]));
    assert.deepEqual(Object.fromEntries(modes), {
      [PATHS.bundle]: 0o644,
      [PATHS.launcher]: 0o755,
      [PATHS.unit]: 0o644,
      [PATHS.localUnit]: 0o644,
      [PATHS.config]: 0o644,
      [PATHS.manPage]: 0o644,
    });
    assert.equal((await stat(join(root, 'usr/lib/mdctl'))).mode & 0o7777, 0o755);
  });

  it('writes a launcher that execs the build with node', async () => {
    const root = await newDir('launcher');
    await installJson('--root', root);
    const launcher = await readFile(join(root, PATHS.launcher), 'utf8');
    assert.match(launcher, /^#!\/bin\/sh\n/);
    assert.match(launcher, /^exec node \/usr\/lib\/mdctl\/mdctl\.mjs "\$@"$/m);
  });

  it('writes a oneshot unit that runs the launcher after the network and before sshd, restarting only on exit 4', async () => {
    const root = await newDir('unit');
    await installJson('--root', root);
    const unit = await readFile(join(root, PATHS.unit), 'utf8');
    const section = (name: string) => unit.split(`[${name}]\n`)[1]?.split(/^\[/m)[0] ?? '';
    const keys = (text: string) => Object.fromEntries([...text.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    const service = keys(section('Service'));
    assert.equal(service.ExecStart, `${PATHS.launcher} boot`);
    assert.equal(service.Type, 'oneshot');
    assert.equal(service.RemainAfterExit, 'yes');
    assert.equal(service.Restart, 'on-failure');
    assert.deepEqual(service.RestartPreventExitStatus?.split(' ').sort(), ['1', '2', '3', '5']);
    assert.match(service.RestartSec ?? '', /^\d+s$/);
    const unitKeys = keys(section('Unit'));
    assert.equal(unitKeys.After, 'network-online.target');
    assert.equal(unitKeys.Wants, 'network-online.target');
    assert.deepEqual(unitKeys.Before?.split(' ').sort(), ['ssh.service', 'sshd.service']);
    assert.equal(keys(section('Install')).WantedBy, 'multi-user.target');
  });

  it('writes mdctl-local.service: boot --local after the local file systems, before network-pre, enabled', async () => {
    const root = await newDir('local-unit');
    await installJson('--root', root);
    const unit = await readFile(join(root, PATHS.localUnit), 'utf8');
    const section = (name: string) => unit.split(`[${name}]\n`)[1]?.split(/^\[/m)[0] ?? '';
    const values = (text: string, key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
    assert.deepEqual(values(section('Service'), 'ExecStart'), [`${PATHS.launcher} boot --local`]);
    assert.deepEqual(values(section('Service'), 'Type'), ['oneshot']);
    assert.deepEqual(values(section('Unit'), 'DefaultDependencies'), ['no']);
    assert.deepEqual(values(section('Unit'), 'After'), ['local-fs.target']);
    assert.deepEqual(values(section('Unit'), 'Wants'), ['network-pre.target']);
    assert.ok(values(section('Unit'), 'Before').includes('network-pre.target'));
    assert.deepEqual(values(section('Install'), 'WantedBy'), ['multi-user.target']);
    const link = join(root, PATHS.localWants);
    assert.equal(await readlink(link), '../mdctl-local.service');
    assert.equal(await readFile(link, 'utf8'), unit);
  });

  it('shows in docs/config-drive.md the local unit it writes (comments aside)', async () => {
    const doc = await readFile(join(REPO, 'docs', 'config-drive.md'), 'utf8');
    const shown = /^```ini\n([\s\S]*?)^```$/m.exec(doc)?.[1];
    assert.equal(shown, localUnitText().replace(/^#.*\n/gm, ''));
  });

  it('shows in docs/images.md the unit it writes (comments aside)', async () => {
    const readme = await readFile(join(REPO, 'docs', 'images.md'), 'utf8');
    const shown = /^```ini\n([\s\S]*?)^```$/m.exec(readme)?.[1];
    assert.equal(shown, unitText().replace(/^#.*\n/gm, ''));
  });

  it('enables the unit with a relative multi-user.target.wants link', async () => {
    const root = await newDir('wants');
    await installJson('--root', root);
    const link = join(root, PATHS.wants);
    assert.ok((await lstat(link)).isSymbolicLink());
    assert.equal(await readlink(link), '../mdctl.service');
    assert.equal(await readFile(link, 'utf8'), await readFile(join(root, PATHS.unit), 'utf8'));
  });

  it('writes a config that is all comments, parses as YAML, and names its keys', async () => {
    const root = await newDir('config');
    await installJson('--root', root);
    const config = await readFile(join(root, PATHS.config), 'utf8');
    assert.equal(load(config) ?? null, null);
    for (const line of config.split('\n')) assert.ok(line === '' || line.startsWith('#'), line);
    assert.match(config, /^#user: /m);
    assert.match(config, /^#appliers:/m);
  });

  it('documents in the config only keys the config loader accepts, with valid examples', () => {
    const uncommented = defaultConfigText().replace(/^#(?=\w| {2}- )/gm, '');
    const config = parseConfig(load(uncommented), PATHS.config);
    assert.equal(config.user, 'debian');
    assert.deepEqual(config.only, ['hostname', 'ssh-keys', 'routes']);
    assert.deepEqual(config.skip, ['routes']);
    assert.deepEqual(
      config.appliers.map((a) => a.name),
      ['/usr/local/lib/mdctl/motd.mjs'],
    );
    assert.equal(config.boot_timeout, 120);
    assert.deepEqual(config.config_drive, { filesystems: ['iso9660', 'vfat'] });
    assert.deepEqual(config.network, { renderer: 'auto' });
    const documented = [...defaultConfigText().matchAll(/^#(\w+):/gm)].map((m) => m[1]).sort();
    assert.deepEqual(documented, [...CONFIG_KEYS].sort());
  });

  it('is idempotent: a second run reports everything unchanged and touches no file', async () => {
    const root = await newDir('twice');
    await installJson('--root', root);
    const before = await snapshot(root);
    const second = await installJson('--root', root);
    assert.deepEqual(actions(second), {
      [PATHS.bundle]: 'unchanged',
      [PATHS.launcher]: 'unchanged',
      [PATHS.unit]: 'unchanged',
      [PATHS.wants]: 'unchanged',
      [PATHS.localUnit]: 'unchanged',
      [PATHS.localWants]: 'unchanged',
      [PATHS.config]: 'kept',
      [PATHS.manPage]: 'unchanged',
    });
    assert.deepEqual(await snapshot(root), before);
  });

  it('--dry-run writes nothing and prints the plan', async () => {
    const root = await newDir('dry');
    const result = await install('--root', root, '--dry-run');
    assert.equal(result.status, 0, result.stderr);
    for (const path of IMAGE_PATHS) assert.match(result.stdout, new RegExp(`^create +${path} `, 'm'));
    assert.match(result.stderr, /would write 8 of 8 files .*nothing written/);
    assert.deepEqual(await readdir(root), []);
  });

  it('--dry-run on an installed root reports the drift and leaves it', async () => {
    const root = await newDir('drift');
    await installJson('--root', root);
    await writeFile(join(root, PATHS.unit), '[Service]\nExecStart=/bin/false\n');
    await chmod(join(root, PATHS.launcher), 0o644);
    const before = await snapshot(root);
    const json = await installJson('--root', root, '--dry-run');
    assert.equal(json.dry_run, true);
    assert.equal(actions(json)[PATHS.unit], 'update');
    assert.equal(actions(json)[PATHS.launcher], 'update');
    assert.equal(actions(json)[PATHS.bundle], 'unchanged');
    assert.deepEqual(await snapshot(root), before);
  });

  it('repairs a changed unit, a launcher that lost its mode and a wrong wants link', async () => {
    const root = await newDir('repair');
    await installJson('--root', root);
    await writeFile(join(root, PATHS.unit), '[Service]\nExecStart=/bin/false\n');
    await chmod(join(root, PATHS.launcher), 0o644);
    await rm(join(root, PATHS.wants));
    await symlink('/dev/null', join(root, PATHS.wants));
    const json = await installJson('--root', root);
    assert.equal(actions(json)[PATHS.unit], 'update');
    assert.equal(actions(json)[PATHS.launcher], 'update');
    assert.equal(actions(json)[PATHS.wants], 'update');
    assert.match(await readFile(join(root, PATHS.unit), 'utf8'), /^ExecStart=\/usr\/bin\/mdctl boot$/m);
    assert.equal((await stat(join(root, PATHS.launcher))).mode & 0o7777, 0o755);
    assert.equal(await readlink(join(root, PATHS.wants)), '../mdctl.service');
    assert.ok(Object.values(actions(await installJson('--root', root))).every((a) => a === 'unchanged' || a === 'kept'));
  });

  it('keeps an existing config byte for byte', async () => {
    const root = await newDir('keep');
    const mine = 'user: alice  # mine\r\nappliers: []\n\u0000';
    await mkdir(join(root, 'etc/mdctl'), { recursive: true });
    await writeFile(join(root, PATHS.config), mine, { mode: 0o600 });
    const json = await installJson('--root', root);
    assert.equal(actions(json)[PATHS.config], 'kept');
    assert.equal(await readFile(join(root, PATHS.config), 'utf8'), mine);
    assert.equal((await stat(join(root, PATHS.config))).mode & 0o7777, 0o600);
  });

  it('refuses to write through a symlinked directory in the root, and writes nothing at all', async () => {
    const root = await newDir('linked-dir');
    const outside = await newDir('outside');
    await mkdir(join(root, 'etc'));
    await symlink(outside, join(root, 'etc/systemd'));
    const before = await snapshot(root);
    const result = await install('--root', root);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^mdctl: refusing .*etc\/systemd.* is a symbolic link .*\n$/);
    assert.deepEqual(await readdir(outside), []);
    assert.deepEqual(await snapshot(root), before);
  });

  it('refuses to replace a launcher that is a symlink to a file outside the root', async () => {
    const root = await newDir('linked-file');
    const outside = join(await newDir('victim'), 'shadow');
    await writeFile(outside, 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    await symlink(outside, join(root, PATHS.launcher));
    const result = await install('--root', root);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^mdctl: .*usr\/bin\/mdctl.*symbolic link/);
    assert.equal(await readFile(outside, 'utf8'), 'root:*:19000:0:99999:7:::\n');
    assert.equal((await stat(outside)).mode & 0o7777, 0o640);
    assert.deepEqual(await readdir(join(root, 'usr')), ['bin']);
  });

  it('refuses a directory where a file belongs', async () => {
    const root = await newDir('dir-in-the-way');
    await mkdir(join(root, PATHS.unit), { recursive: true });
    const result = await install('--root', root);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^mdctl: refusing to replace .*mdctl\.service.*: not a regular file or symbolic link\n$/);
  });

  it('needs --root: exit status 2, one line', async () => {
    const result = await install();
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^mdctl: install: --root DIR is required \(.*\)\n$/);
  });

  it('needs the root to be an existing directory: exit status 2', async () => {
    const missing = join(base, 'no-such-root');
    const result = await install('--root', missing);
    assert.equal(result.status, 2);
    assert.equal(
      result.stderr,
      `mdctl: install: image root ${JSON.stringify(missing)}: no such directory (mount the image's root file system there first, e.g. with guestmount, or qemu-nbd and mount; or use --root / for this system)\n`,
    );
    await assert.rejects(stat(missing));
  });

  it('installs from the single-file build alone: it copies itself and carries the man page', async () => {
    const alone = await newDir('alone');
    const copy = join(alone, 'mdctl.mjs');
    await writeFile(copy, await readFile(BUNDLE));
    const root = await newDir('from-bundle');
    const { stdout } = await run(process.execPath, [copy, 'install', '--root', root, '--json'], { cwd: alone });
    assert.ok((JSON.parse(stdout) as InstallJson).files.every((f) => f.action === 'create'));
    assert.deepEqual(await readFile(join(root, PATHS.bundle)), await readFile(copy));
    assert.deepEqual(await readFile(join(root, PATHS.manPage)), await readFile(MAN));
  });

  it('the installed launcher runs mdctl --version with the node on PATH', async () => {
    const root = await newDir('runs');
    await installJson('--root', root);
    // A private mount namespace where /usr/lib shows the image's usr/lib/mdctl over the host's own /usr/lib.
    const script = `mount -t overlay overlay -o "lowerdir=$1/usr/lib:/usr/lib" /usr/lib && exec "$1/usr/bin/mdctl" --version`;
    const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, NO_COLOR: '1' };
    const { stdout } = await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', root], { env });
    assert.equal(stdout, `${VERSION}\n`);
  });

  it('says to run npm run bundle when a package has no single-file build', async () => {
    const pkg = await newDir('package');
    await mkdir(join(pkg, 'dist/cli/install'), { recursive: true });
    await mkdir(join(pkg, 'man'));
    await writeFile(join(pkg, 'man/mdctl.1'), '.TH MDCTL 1\n');
    const moduleUrl = pathToFileURL(join(pkg, 'dist/cli/install/artifacts.js')).href;
    await assert.rejects(
      locateArtifacts(moduleUrl),
      (error: Error & { code?: string; hint?: string }) =>
        error.code === 'ERR_FAILED' && error.message.includes(join(pkg, 'dist/mdctl.mjs')) && error.hint === 'run `npm run bundle` first',
    );
    await writeFile(join(pkg, 'dist/mdctl.mjs'), 'bundle');
    const found = await locateArtifacts(moduleUrl);
    assert.equal(found.bundle.toString(), 'bundle');
    assert.equal(found.manPage.toString(), '.TH MDCTL 1\n');
  });
});

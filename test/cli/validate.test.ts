// `mdctl validate` on scratch image roots made by `mdctl install`: a good image passes, then each way of breaking it fails alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli, type CliResult } from '../helpers/cli.js';
import { SEED_STATIC_FIXTURE, startEmulator, writeFixture } from '../helpers/emulator.js';
import { closedPort } from '../sources/front.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKT7jr1IT0Ly1BWN8rFoY6QOaJqAMTfsxSLQAsGPYxjV builder@laptop';

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
}

const IMAGE_IDS = ['mdctl-runs', 'boot-unit', 'local-unit', 'no-cache', 'no-state', 'no-keys', 'host-keys', 'machine-id', 'config', 'network-files'];
const METADATA_IDS = ['crawl', 'meta-data', 'hostname', 'ssh-keys', 'network-data', 'network-render', 'user-data', 'dry-run'];

let base = '';
let good = '';
let seedText = '';
let count = 0;

/** A minimal image: passwd, group, homes, an empty machine-id, a stand-in `node`; then `mdctl install`. */
async function buildImage(dir: string): Promise<void> {
  for (const path of ['etc', 'root', 'home/debian', 'usr/bin', 'etc/skel']) await mkdir(join(dir, path), { recursive: true });
  await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\ndebian:x:1000:1000:Debian:/home/debian:/bin/bash\n');
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\ndebian:x:1000:\n');
  await writeFile(join(dir, 'etc/hostname'), 'localhost\n');
  await writeFile(join(dir, 'etc/hosts'), '127.0.0.1 localhost\n');
  await writeFile(join(dir, 'etc/machine-id'), '');
  await writeFile(join(dir, 'usr/bin/node'), '#!/bin/sh\n', { mode: 0o755 });
  await mkdir(join(dir, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  await symlink('/lib/systemd/system/systemd-networkd.service', join(dir, 'etc/systemd/system/multi-user.target.wants/systemd-networkd.service'));
  const installed = await runCli(['install', '--root', dir]);
  assert.equal(installed.status, 0, installed.stderr);
}

/** A fresh copy of the good image. */
async function image(): Promise<string> {
  count += 1;
  const dir = join(base, `image-${count}`);
  await cp(good, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

async function validate(args: string[]): Promise<{ result: CliResult; checks: Check[] }> {
  const result = await runCli(['validate', '--json', ...args]);
  assert.equal(result.stderr, '', 'nothing on stderr with --json');
  return { result, checks: JSON.parse(result.stdout) as Check[] };
}

/** Exactly one check failed, with this id, and its message matches. */
function failsAlone(checks: Check[], id: string, message: RegExp): void {
  const failed = checks.filter((check) => check.status === 'fail');
  assert.deepEqual(
    failed.map((check) => check.id),
    [id],
    `only ${id} fails: ${JSON.stringify(failed)}`,
  );
  assert.match(failed[0]?.message ?? '', message);
}

/** Every file under `dir` with its mode and content or link target. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (path: string): Promise<void> => {
    for (const name of (await readdir(path)).sort()) {
      const full = join(path, name);
      const stats = await lstat(full);
      if (stats.isSymbolicLink()) files.set(full, `link ${await readlink(full)}`);
      else if (stats.isDirectory()) {
        files.set(full, `dir ${stats.mode}`);
        await walk(full);
      } else files.set(full, `file ${stats.mode} ${stats.mtimeMs} ${(await readFile(full)).toString('base64')}`);
    }
  };
  await walk(dir);
  return files;
}

async function fixture(edit: (text: string) => string): Promise<string> {
  const text = edit(seedText);
  assert.notEqual(text, seedText, 'the edit changed the fixture');
  return writeFixture(text);
}

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mdctl-validate-'));
  await run(process.execPath, [join(REPO, 'tools', 'bundle.mjs')]);
  good = join(base, 'good');
  await buildImage(good);
  seedText = await readFile(SEED_STATIC_FIXTURE, 'utf8');
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('a good image', () => {
  it('passes every check with --fixture, and validate writes nothing', async () => {
    const root = await image();
    const before = await snapshot(root);
    const { result, checks } = await validate(['--root', root, '--fixture', SEED_STATIC_FIXTURE]);
    assert.equal(result.status, 0);
    assert.deepEqual(
      checks.map((check) => check.id),
      [...IMAGE_IDS, ...METADATA_IDS],
    );
    for (const check of checks) assert.equal(check.status, 'pass', `${check.id}: ${check.message}`);
    assert.match(checks.find((check) => check.id === 'hostname')?.message ?? '', /"dvr3-demo12"/);
    assert.match(checks.find((check) => check.id === 'dry-run')?.message ?? '', /hostname 2, ssh-keys 2.*routes 3 \(3 not live\)/);
    assert.match(checks.find((check) => check.id === 'network-render')?.message ?? '', /^networkd \(systemd-networkd\.service is enabled in the image\): "\/etc\/systemd\/network\/10-mdctl-tapc8c3f2f8-5e\.network"$/);
    assert.deepEqual(await snapshot(root), before);
  });

  it('without --endpoint or --fixture runs the image checks only and says the metadata checks were skipped', async () => {
    const { result, checks } = await validate(['--root', await image()]);
    assert.equal(result.status, 0);
    assert.deepEqual(
      checks.filter((check) => check.status === 'pass').map((check) => check.id),
      IMAGE_IDS,
    );
    for (const check of checks.filter((c) => METADATA_IDS.includes(c.id))) {
      assert.equal(check.status, 'skip');
      assert.match(check.message, /no --endpoint or --fixture/);
    }
  });

  it('checks the metadata of a running service named by --endpoint', async () => {
    const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE });
    try {
      const { result, checks } = await validate(['--root', await image(), '--endpoint', emulator.url]);
      assert.equal(result.status, 0, JSON.stringify(checks));
      assert.match(checks.find((check) => check.id === 'crawl')?.message ?? '', new RegExp(`openstack 2020-10-14 from ${emulator.url}`));
      assert.ok((await emulator.requests()).some((entry) => entry.path === '/openstack/2020-10-14/meta_data.json'));
    } finally {
      await emulator.stop();
    }
  });

  it('prints a table: one line per check, the summary on stderr', async () => {
    const root = await image();
    await writeFile(join(root, 'etc/machine-id'), '4c4c4544004b3510804cb4c04f4d3732\n');
    const result = await runCli(['validate', '--root', root]);
    assert.equal(result.status, 5);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, IMAGE_IDS.length + METADATA_IDS.length);
    assert.match(lines[0] ?? '', /^pass {2}mdctl-runs {6}launcher \/usr\/bin\/mdctl, /);
    assert.match(lines[7] ?? '', /^fail {2}machine-id {6}\/etc\/machine-id is set \("4c4c4544004b3510804cb4c04f4d3732"\): every VM/);
    assert.match(lines[10] ?? '', /^skip {2}crawl /);
    assert.equal(result.stderr, 'validate: 18 checks: 9 passed, 0 warnings, 1 failed, 8 skipped\n');
  });
});

describe('an image broken one way at a time fails that check alone (exit 5)', () => {
  const cases: { name: string; id: string; message: RegExp; breakIt: (root: string) => Promise<void> }[] = [
    {
      name: 'a key baked into root',
      id: 'no-keys',
      message: /^keys baked into the image: \/root\/\.ssh\/authorized_keys holds 1 key; every VM/,
      breakIt: async (root) => {
        await mkdir(join(root, 'root/.ssh'), { mode: 0o700 });
        await writeFile(join(root, 'root/.ssh/authorized_keys'), `# builder\n${ED25519}\n`);
      },
    },
    {
      name: "mdctl's key block left by a build-time boot",
      id: 'no-keys',
      message: /\/home\/debian\/\.ssh\/authorized_keys has an mdctl-managed key block \(1 key\)/,
      breakIt: async (root) => {
        await mkdir(join(root, 'home/debian/.ssh'), { mode: 0o700 });
        await writeFile(join(root, 'home/debian/.ssh/authorized_keys'), `# BEGIN mdctl managed keys\n${ED25519}\n# END mdctl managed keys\n`);
      },
    },
    {
      name: 'a key in /etc/skel, copied into every new home',
      id: 'no-keys',
      message: /\/etc\/skel\/\.ssh\/authorized_keys holds 1 key/,
      breakIt: async (root) => {
        await mkdir(join(root, 'etc/skel/.ssh'));
        await writeFile(join(root, 'etc/skel/.ssh/authorized_keys'), `${ED25519}\n`);
      },
    },
    {
      name: 'SSH host keys baked into the image',
      id: 'host-keys',
      message: /^\/etc\/ssh holds ssh_host_ed25519_key, ssh_host_ed25519_key\.pub: host keys baked into the image/,
      breakIt: async (root) => {
        await mkdir(join(root, 'etc/ssh'), { recursive: true });
        await writeFile(join(root, 'etc/ssh/ssh_host_ed25519_key'), 'not shown\n', { mode: 0o600 });
        await writeFile(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), `${ED25519}\n`);
      },
    },
    {
      name: 'a stale instance cache',
      id: 'no-cache',
      message: /^\/run\/mdctl holds instance-sensitive\.json, instance\.json: a boot during the build left its instance cache/,
      breakIt: async (root) => {
        await mkdir(join(root, 'run/mdctl'), { recursive: true });
        await writeFile(join(root, 'run/mdctl/instance.json'), '{}');
        await writeFile(join(root, 'run/mdctl/instance-sensitive.json'), '{}');
      },
    },
    {
      name: 'per-instance state',
      id: 'no-state',
      message: /^\/var\/lib\/mdctl holds instances\/795fed3a\.json: a boot during the build left its per-instance state/,
      breakIt: async (root) => {
        await mkdir(join(root, 'var/lib/mdctl/instances'), { recursive: true });
        await writeFile(join(root, 'var/lib/mdctl/instances/795fed3a.json'), '{}');
      },
    },
    {
      name: 'a missing unit',
      id: 'boot-unit',
      message: /^\/etc\/systemd\/system\/mdctl\.service is missing: mdctl would not run at boot/,
      breakIt: (root) => unlink(join(root, 'etc/systemd/system/mdctl.service')),
    },
    {
      name: 'a unit that is not enabled',
      id: 'boot-unit',
      message: /^not enabled: \/etc\/systemd\/system\/multi-user\.target\.wants\/mdctl\.service is missing/,
      breakIt: (root) => unlink(join(root, 'etc/systemd/system/multi-user.target.wants/mdctl.service')),
    },
    {
      name: 'a unit that runs something else',
      id: 'boot-unit',
      message: /ExecStart runs "\/usr\/local\/bin\/mdctl boot", not the launcher \/usr\/bin\/mdctl/,
      breakIt: async (root) => {
        const path = join(root, 'etc/systemd/system/mdctl.service');
        await writeFile(path, (await readFile(path, 'utf8')).replace('ExecStart=/usr/bin/mdctl', 'ExecStart=/usr/local/bin/mdctl'));
      },
    },
    {
      name: 'a local-stage unit that runs boot without --local',
      id: 'local-unit',
      message: /mdctl-local\.service: ExecStart runs "\/usr\/bin\/mdctl boot", not `\/usr\/bin\/mdctl boot --local`/,
      breakIt: async (root) => {
        const path = join(root, 'etc/systemd/system/mdctl-local.service');
        await writeFile(path, (await readFile(path, 'utf8')).replace('boot --local', 'boot'));
      },
    },
    {
      name: 'a local-stage unit that is not enabled',
      id: 'local-unit',
      message: /^not enabled: \/etc\/systemd\/system\/multi-user\.target\.wants\/mdctl-local\.service is missing/,
      breakIt: (root) => unlink(join(root, 'etc/systemd/system/multi-user.target.wants/mdctl-local.service')),
    },
    {
      name: 'a machine-id',
      id: 'machine-id',
      message: /^\/etc\/machine-id is set \("4c4c4544004b3510804cb4c04f4d3732"\)/,
      breakIt: (root) => writeFile(join(root, 'etc/machine-id'), '4c4c4544004b3510804cb4c04f4d3732\n'),
    },
    {
      name: 'no node in the image',
      id: 'mdctl-runs',
      message: /^no node executable in \/usr\/bin or \/usr\/local\/bin/,
      breakIt: (root) => unlink(join(root, 'usr/bin/node')),
    },
    {
      name: 'no build',
      id: 'mdctl-runs',
      message: /^build \/usr\/lib\/mdctl\/mdctl\.mjs is missing/,
      breakIt: (root) => unlink(join(root, 'usr/lib/mdctl/mdctl.mjs')),
    },
    {
      name: 'a config key that does not exist',
      id: 'config',
      message: /^config "\/etc\/mdctl\/config\.yaml": "colour" is not a known key/,
      breakIt: (root) => writeFile(join(root, 'etc/mdctl/config.yaml'), 'colour: red\n'),
    },
    {
      name: 'a config that is not YAML',
      id: 'config',
      message: /^config "\/etc\/mdctl\/config\.yaml": not valid YAML/,
      breakIt: (root) => writeFile(join(root, 'etc/mdctl/config.yaml'), 'user: [debian\n'),
    },
    {
      name: 'a config naming a user the image does not have',
      id: 'config',
      message: /user "ubuntu" is not in the image's \/etc\/passwd/,
      breakIt: (root) => writeFile(join(root, 'etc/mdctl/config.yaml'), 'user: ubuntu\n'),
    },
    {
      name: 'a plugin that is not in the image',
      id: 'config',
      message: /plugin "\/usr\/local\/lib\/mdctl\/motd\.mjs": \/usr\/local\/lib\/mdctl\/motd\.mjs is not in the image/,
      breakIt: (root) => writeFile(join(root, 'etc/mdctl/config.yaml'), 'appliers:\n  - /usr/local/lib/mdctl/motd.mjs\n'),
    },
    {
      name: 'a plugin that is not an applier',
      id: 'config',
      message: /plugin ".*motd\.mjs" is not an applier: plan must be a function/,
      breakIt: async (root) => {
        await mkdir(join(root, 'usr/local/lib/mdctl'), { recursive: true });
        await writeFile(join(root, 'usr/local/lib/mdctl/motd.mjs'), "export default { id: 'motd', description: 'x', apply() {} };\n");
        await writeFile(join(root, 'etc/mdctl/config.yaml'), 'appliers:\n  - ../../usr/local/lib/mdctl/motd.mjs\n');
      },
    },
  ];
  for (const { name, id, message, breakIt } of cases) {
    it(name, async () => {
      const root = await image();
      await breakIt(root);
      const { result, checks } = await validate(['--root', root, '--fixture', SEED_STATIC_FIXTURE]);
      failsAlone(checks, id, message);
      assert.equal(result.status, 5);
    });
  }

  it('host keys the config keeps on purpose (host_keys.regenerate false) pass, said so', async () => {
    const root = await image();
    await mkdir(join(root, 'etc/ssh'), { recursive: true });
    await writeFile(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), `${ED25519}\n`);
    await writeFile(join(root, 'etc/mdctl/config.yaml'), 'host_keys: {regenerate: false}\n');
    const { result, checks } = await validate(['--root', root]);
    assert.equal(result.status, 0, JSON.stringify(checks));
    assert.match(checks.find((check) => check.id === 'host-keys')?.message ?? '', /^\/etc\/ssh holds ssh_host_ed25519_key\.pub, kept on purpose/);
  });

  it('an image without the local-stage unit passes with a warning naming it (exit 0)', async () => {
    const root = await image();
    await unlink(join(root, 'etc/systemd/system/multi-user.target.wants/mdctl-local.service'));
    await unlink(join(root, 'etc/systemd/system/mdctl-local.service'));
    const { result, checks } = await validate(['--root', root]);
    assert.equal(result.status, 0);
    const local = checks.find((check) => check.id === 'local-unit');
    assert.equal(local?.status, 'warn');
    assert.match(local?.message ?? '', /^\/etc\/systemd\/system\/mdctl-local\.service is missing: without DHCP/);
  });

  it('a plugin that loads is named, and plans in the dry run', async () => {
    const root = await image();
    await mkdir(join(root, 'usr/local/lib/mdctl'), { recursive: true });
    await writeFile(
      join(root, 'usr/local/lib/mdctl/motd.mjs'),
      "export default { id: 'motd', description: 'writes /etc/motd', async plan() { return [{ applier: 'motd', action: 'create', target: '/etc/motd', summary: 'write' }]; }, async apply() {} };\n",
    );
    await writeFile(join(root, 'etc/mdctl/config.yaml'), 'user: debian\nappliers:\n  - /usr/local/lib/mdctl/motd.mjs\n');
    const { result, checks } = await validate(['--root', root, '--fixture', SEED_STATIC_FIXTURE]);
    assert.equal(result.status, 0, JSON.stringify(checks));
    assert.match(checks.find((check) => check.id === 'config')?.message ?? '', /user "debian"; plugins load: "\/usr\/local\/lib\/mdctl\/motd\.mjs" \(motd\)/);
    assert.match(checks.find((check) => check.id === 'dry-run')?.message ?? '', /, motd 1 into a scratch copy/);
  });
});

describe('metadata broken one way at a time fails that check alone (exit 5)', () => {
  const cases: { name: string; id: string; message: RegExp; edit: (text: string) => string }[] = [
    {
      name: 'a hostname the hostname applier refuses',
      id: 'hostname',
      message: /^hostname "a;rm -rf \/\.novalocal" refused: characters other than/,
      edit: (text) => text.replace('hostname: dvr3-demo12', 'hostname: "a;rm -rf /"'),
    },
    {
      name: 'a route whose gateway is off-link',
      id: 'network-data',
      message: /^route "10\.20\.0\.0\/16 via 10\.9\.9\.9" refused: gateway is not on the link of any network/,
      edit: (text) => text.replace('gateway: 192.168.0.254', 'gateway: 10.9.9.9'),
    },
    {
      name: 'a network whose link does not exist',
      id: 'network-data',
      message: /^network "network0" names link "tap-gone", which is not among the links$/,
      edit: (text) => text.replace('link: tapc8c3f2f8-5e', 'link: tap-gone'),
    },
    {
      name: 'a route that does not parse',
      id: 'network-data',
      message: /^route "10\.20\.0\.0\/255\.0\.255\.0 via 192\.168\.0\.254" refused: destination is not an address\/prefix/,
      edit: (text) => text.replace('netmask: 255.255.0.0', 'netmask: 255.0.255.0'),
    },
    {
      name: 'an SSH key with an options prefix',
      id: 'ssh-keys',
      message: /^key entry "dvr3-key": SSH key .* refused: options before the key type are not accepted/,
      edit: (text) => text.replace('          ssh-rsa AAAA', '          command="/bin/sh" ssh-rsa AAAA'),
    },
    {
      name: "user data over Nova's limit",
      id: 'user-data',
      message: /^user data is 60004 bytes, 80008 once base64-encoded: over Nova's limit of 65535$/,
      edit: (text) => text.replace(/ {4}user_data: \|\n( {6}.*\n)+/, `    user_data: "${'x'.repeat(60004)}"\n`),
    },
  ];
  for (const { name, id, message, edit } of cases) {
    it(name, async () => {
      const { result, checks } = await validate(['--root', await image(), '--fixture', await fixture(edit)]);
      failsAlone(checks, id, message);
      assert.equal(result.status, 5);
      assert.notEqual(checks.find((check) => check.id === 'dry-run')?.status, 'fail', 'the dry run does not repeat it');
    });
  }

  it('meta_data.json without a uuid fails meta-data and skips what needs the document', async () => {
    const emulator = await startEmulator({
      fixture: SEED_STATIC_FIXTURE,
      faults: await writeFixture('- path: /openstack/*/meta_data.json\n  body: \'{"hostname": "x"}\'\n  content_type: application/json\n'),
    });
    try {
      const { result, checks } = await validate(['--root', await image(), '--endpoint', emulator.url]);
      failsAlone(checks, 'meta-data', /uuid/);
      assert.equal(result.status, 5);
      for (const id of ['hostname', 'ssh-keys', 'dry-run']) assert.equal(checks.find((check) => check.id === id)?.status, 'skip');
    } finally {
      await emulator.stop();
    }
  });
});

describe('the endpoint and the options', () => {
  it('an endpoint that cannot be reached fails the crawl with exit 4 and skips the rest', async () => {
    const url = await closedPort();
    const { result, checks } = await validate(['--root', await image(), '--endpoint', url, '--timeout', '2']);
    assert.equal(result.status, 4);
    failsAlone(checks, 'crawl', /connection refused/);
    assert.deepEqual(
      checks.filter((check) => check.status === 'skip').map((check) => check.id),
      METADATA_IDS.slice(1),
    );
  });

  it('an image failure outweighs an unreachable endpoint: exit 5', async () => {
    const root = await image();
    await writeFile(join(root, 'etc/machine-id'), '4c4c4544004b3510804cb4c04f4d3732\n');
    const { result } = await validate(['--root', root, '--endpoint', await closedPort(), '--timeout', '2']);
    assert.equal(result.status, 5);
  });

  it('refuses --endpoint with --fixture, a missing root and a bad fixture with exit 2 and one line', async () => {
    const root = await image();
    const both = await runCli(['validate', '--root', root, '--fixture', SEED_STATIC_FIXTURE, '--endpoint', 'http://127.0.0.1:9']);
    assert.equal(both.status, 2);
    assert.equal(both.stderr, 'mdctl: validate: give --endpoint URL or --fixture FILE, not both\n');
    const missing = await runCli(['validate', '--root', join(base, 'nowhere')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^mdctl: validate: image root ".*nowhere": no such directory\n$/);
    const bad = await runCli(['validate', '--root', root, '--fixture', await writeFixture('instances: []\n')]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.split('\n').length, 2);
    assert.match(bad.stderr, /instances/);
    assert.equal(bad.stdout, '');
  });

  it('an absolute symlink in the image is followed inside the image, never on the build host', async () => {
    const root = await image();
    await mkdir(join(root, 'srv/keys/.ssh'), { recursive: true });
    await writeFile(join(root, 'srv/keys/.ssh/authorized_keys'), `${ED25519}\n`);
    await rm(join(root, 'root'), { recursive: true });
    await symlink('/srv/keys', join(root, 'root'));
    const { checks } = await validate(['--root', root]);
    failsAlone(checks, 'no-keys', /^keys baked into the image: \/root\/\.ssh\/authorized_keys holds 1 key/);
  });
});

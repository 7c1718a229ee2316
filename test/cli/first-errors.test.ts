// Errors a first user meets say what to do: non-root apply, not a metadata service, https on a plain port, hints, boot's progress while it waits.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeCache } from '../../src/cache/cache.js';
import { PASSWD, doc, makeRoot, removeRoots } from '../appliers/root.js';
import { runCli } from '../helpers/cli.js';
import { EC2_ONLY_FIXTURE, startEmulator, type Emulator } from '../helpers/emulator.js';

const ENV = { MDCTL_ENDPOINT: undefined, MDCTL_CACHE_DIR: undefined, MDCTL_STATE_DIR: undefined, MDCTL_CONFIG: undefined };
const SINGLE_FILE = fileURLToPath(new URL('../../../dist/mdctl.mjs', import.meta.url));
let emulator: Emulator | undefined;

before(async () => {
  emulator = await startEmulator();
});

after(async () => {
  await emulator?.stop();
  removeRoots();
});

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a service that is not a metadata service, and the wrong scheme', () => {
  it('a base URL with a path (any web server): both 404s are named, exit 5', async () => {
    const result = await runCli(['fetch', '--endpoint', `${emulator?.url ?? ''}/openstack`, '--cache-dir', makeRoot()], { env: ENV });
    assert.equal(result.status, 5, result.stderr);
    assert.match(result.stderr, /^mdctl: not a metadata service: GET "\/openstack" and GET "\/latest\/meta-data\/" both answered 404 \(--endpoint must be the metadata service's base URL: .*\)\n$/);
  });

  it('https:// on a plain HTTP port is refused at once (exit 5), not retried until the deadline', async () => {
    const started = Date.now();
    const result = await runCli(['fetch', '--endpoint', (emulator?.url ?? '').replace('http:', 'https:'), '--cache-dir', makeRoot(), '--timeout', '60'], { env: ENV });
    assert.equal(result.status, 5, result.stderr);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    assert.match(result.stderr, /does not speak TLS: the port answers in plain HTTP \(EPROTO\) \(use http:\/\/ for this endpoint\)\n$/);
  });

  it('doctor passes an EC2-only service that fetch reads', async () => {
    const ec2 = await startEmulator({ fixture: EC2_ONLY_FIXTURE });
    try {
      const fetch = await runCli(['fetch', '--endpoint', ec2.url, '--cache-dir', makeRoot()], { env: ENV });
      assert.equal(fetch.status, 0, fetch.stderr);
      const doctor = await runCli(['doctor', '--json', '--endpoint', ec2.url, '--cache-dir', makeRoot()], { env: ENV });
      assert.equal(doctor.status, 0, doctor.stdout);
      const hops = JSON.parse(doctor.stdout) as { id: string; status: string; message: string }[];
      assert.deepEqual(hops.filter((hop) => ['index', 'files'].includes(hop.id)).map((hop) => hop.status), ['pass', 'pass']);
      assert.match(hops.find((hop) => hop.id === 'files')?.message ?? '', /instance-id "i-0000000c"/);
    } finally {
      await ec2.stop();
    }
  });
});

describe('hints', () => {
  it('install --root on a directory that does not exist', async () => {
    const result = await runCli(['install', '--root', join(makeRoot(), 'mnt')], { env: ENV });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^mdctl: install: image root ".*mnt": no such directory \(mount the image's root file system there first, .*--root \/ for this system\)\n$/);
  });

  it('serve on a port in use', async () => {
    const port = new URL(emulator?.url ?? '').port;
    const result = await runCli(['serve', '--port', port], { env: ENV });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^mdctl: serve: cannot listen on 127\.0\.0\.1:\d+: address already in use \(another program, perhaps another mdctl serve, has the port: pick another with --port N, or --port 0 for a free one\)\n$/);
  });

  it('an unknown applier id in the config names the file and the key', async () => {
    const config = join(makeRoot({ 'config.yaml': 'only: [hostname, hostnme]\n' }), 'config.yaml');
    const result = await runCli(['apply', '--dry-run', '--root', makeRoot(), '--no-live', '--config', config, '--cache-dir', makeRoot()], { env: ENV });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^mdctl: config ".*config\.yaml": "only": unknown applier "hostnme" \(known: random-seed, host-keys, hostname, ssh-keys, network, routes/);
  });

  it('--no-live plans leave out the running hostname (the build machine\'s), so a second dry run is all unchanged', async () => {
    const cache = makeRoot();
    await writeCache(cache, doc());
    const result = await runCli(['apply', '--dry-run', '--only', 'hostname', '--root', makeRoot({ 'etc/hostname': 'dvr3-demo12\n' }), '--no-live', '--cache-dir', cache], { env: ENV });
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /running hostname/);
  });
});

describe('apply as a user who is not root', () => {
  let image = '';
  let cache = '';
  let bin = '';
  const asNobody = (args: string[]) => runCli(args, { entry: bin, wrap: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'], env: ENV });

  before(async () => {
    // Everything nobody must read: 0755 directories; the image's files stay root's and read-only to others.
    image = makeRoot({ 'etc/passwd': PASSWD, 'etc/hosts': '127.0.0.1\tlocalhost\n', 'etc/hostname': 'image\n' });
    cache = makeRoot();
    await writeCache(cache, doc());
    const binDir = makeRoot();
    bin = join(binDir, 'mdctl.mjs');
    copyFileSync(SINGLE_FILE, bin);
    for (const dir of [image, join(image, 'etc'), cache, binDir]) chmodSync(dir, 0o755);
  });

  it('a state dir only root can create: one line that says to run as root or give --state-dir, exit 1', async () => {
    const result = await asNobody(['apply', '--root', image, '--no-live', '--cache-dir', cache, '--state-dir', join(image, 'var/lib/mdctl')]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^mdctl: cannot create state dir ".*var\/lib\/mdctl": EACCES \(the state dir needs root: run as root, or give --state-dir DIR, .*--root DIR --no-live.*\)$/m);
  });

  it('files only root can write: the errors, then once what needs root and how to run without it, exit 3', async () => {
    const state = makeRoot();
    chmodSync(state, 0o777);
    const result = await asNobody(['apply', '--root', image, '--no-live', '--only', 'hostname', '--cache-dir', cache, '--state-dir', state]);
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stderr, /^mdctl: hostname: .*etc\/hostname.*permission denied$/m);
    const hints = result.stderr.split('\n').filter((line) => line.startsWith('mdctl: not root:'));
    assert.equal(hints.length, 1, result.stderr);
    assert.match(hints[0] ?? '', /\(run as root, or try it on a copy of the files: --root DIR --no-live --state-dir DIR, and --cache-dir DIR for a cache of your own\)$/);
  });

  it('--dry-run says that user-data could not be read, instead of planning nothing for it in silence', async () => {
    const result = await asNobody(['apply', '--dry-run', '--root', image, '--no-live', '--cache-dir', cache]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /^mdctl: warning: user-data and vendor data left out \(cannot read ".*instance-sensitive\.json": permission denied\): write-files and scripts plan nothing from them; run as root to plan them$/m);
  });
});

describe('boot while the service does not answer', () => {
  it('says on stderr, now and then, where it waits, the attempt, the time and the last error', async () => {
    const root = makeRoot();
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/passwd'), PASSWD);
    const port = await closedPort();
    const result = await runCli(['boot', '--dry-run', '--endpoint', `http://127.0.0.1:${port}`, '--timeout', '16', '--root', root, '--no-live', '--cache-dir', makeRoot()], { env: ENV });
    assert.equal(result.status, 4, result.stderr);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('waiting for the metadata service'));
    assert.ok(lines.length >= 2 && lines.length <= 3, result.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^waiting for the metadata service at http://127\\.0\\.0\\.1:${port}: attempt 1, 0 s elapsed \\(.*connection refused \\(ECONNREFUSED\\)\\)$`));
    assert.match(lines[1] ?? '', /: attempt \d+, 1\d s elapsed \(.*ECONNREFUSED.*\)$/);
  });
});

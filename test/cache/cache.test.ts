// The instance cache on real files: modes, the sensitive split, atomic replacement, distrust of bad files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, link, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CACHE_FILE, readCache, SENSITIVE_FILE, writeCache } from '../../src/cache/cache.js';
import type { Instance } from '../../src/core/instance.js';
import { normalize } from '../../src/model/normalize.js';
import { moduleForOthers, removeForOthers } from '../helpers/other-user.js';
import { ec2Raw, openstackRaw } from '../model/normalize-fixtures.js';

const AT = new Date('2025-05-01T12:00:00.000Z');
const seed = (): Instance => normalize(openstackRaw('seed-static'), AT);

let base: string;
let count = 0;
/** A fresh cache directory path (not created) inside the test's temp dir. */
const fresh = (): string => join(base, `cache-${(count += 1)}`);

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mdctl-cache-test-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
  await removeForOthers();
});

async function written(document: Instance = seed()): Promise<string> {
  const dir = fresh();
  await writeCache(dir, document);
  return dir;
}

describe('writeCache', () => {
  it('creates the directory 0755 and the files 0644 and 0600, returning their paths', async () => {
    const dir = fresh();
    const paths = await writeCache(dir, seed());
    assert.deepEqual(paths, [join(dir, CACHE_FILE), join(dir, SENSITIVE_FILE)]);
    assert.equal((await stat(dir)).mode & 0o777, 0o755);
    assert.equal((await stat(join(dir, CACHE_FILE))).mode & 0o777, 0o644);
    assert.equal((await stat(join(dir, SENSITIVE_FILE))).mode & 0o777, 0o600);
  });

  it('keeps every sensitive key out of instance.json', async () => {
    const document = seed();
    const dir = await written(document);
    const text = await readFile(join(dir, CACHE_FILE), 'utf8');
    const publicDocument = JSON.parse(text) as Record<string, unknown> & { openstack: Record<string, unknown> & { meta_data: object } };
    for (const key of ['user_data', 'user_data_encoding', 'random_seed', 'password']) assert.equal(key in publicDocument, false, key);
    assert.equal('vendor_data' in publicDocument.openstack, false);
    assert.equal('vendor_data2' in publicDocument.openstack, false);
    assert.equal('random_seed' in publicDocument.openstack.meta_data, false);
    assert.equal(text.includes('hello from dvr3-demo12'), false);
    assert.equal(text.includes('welcome to dvr3'), false);
    assert.equal(text.includes(document.random_seed ?? '?'), false);
    assert.equal(publicDocument.hostname, 'dvr3-demo12.novalocal');
    const sensitive = JSON.parse(await readFile(join(dir, SENSITIVE_FILE), 'utf8')) as { values: Record<string, unknown> };
    assert.deepEqual(Object.keys(sensitive.values).sort(), [
      'openstack.meta_data.random_seed',
      'openstack.vendor_data',
      'openstack.vendor_data2',
      'random_seed',
      'user_data',
    ]);
  });

  it('keeps EC2 IAM credentials and binary user data in the sensitive file', async () => {
    const raw = ec2Raw('seed-static');
    const tree = raw.ec2?.['meta-data'] ?? {};
    tree.iam = { 'security-credentials': { role: '{"SecretAccessKey":"s3cr3t"}' } };
    const document = normalize({ ...raw, ec2: { 'meta-data': tree, user_data: Buffer.from([0x1f, 0x8b, 0, 1]) } }, AT);
    const dir = await written(document);
    const text = await readFile(join(dir, CACHE_FILE), 'utf8');
    assert.equal(text.includes('s3cr3t'), false);
    assert.equal(text.includes('user_data'), false);
    const read = await readCache(dir);
    assert.equal(read.state, 'ok');
    assert.deepEqual(read.state === 'ok' ? read.document : null, document);
  });

  it('replaces the files by rename: a hard link to the old file keeps the old bytes, no temp file is left', async () => {
    const dir = await written();
    const old = join(base, `old-${count}`);
    await link(join(dir, CACHE_FILE), old);
    const before = await readFile(old);
    const inode = (await stat(join(dir, CACHE_FILE))).ino;
    const changed = seed();
    changed.hostname = 'renamed.example';
    await writeCache(dir, changed);
    assert.deepEqual(await readFile(old), before);
    assert.notEqual((await stat(join(dir, CACHE_FILE))).ino, inode);
    assert.deepEqual((await readdir(dir)).sort(), [SENSITIVE_FILE, CACHE_FILE].sort());
    const read = await readCache(dir);
    assert.equal(read.state === 'ok' ? read.document.hostname : null, 'renamed.example');
  });

  it('refuses to replace a symlinked cache file and leaves its target alone', async () => {
    const dir = fresh();
    await mkdir(dir);
    const target = join(base, `target-${count}`);
    await writeFile(target, 'precious\n');
    await symlink(target, join(dir, CACHE_FILE));
    await assert.rejects(writeCache(dir, seed()), { code: 'ERR_UNSAFE_PATH' });
    assert.equal(await readFile(target, 'utf8'), 'precious\n');
    assert.ok((await lstat(join(dir, CACHE_FILE))).isSymbolicLink());
  });
});

describe('readCache', () => {
  it('gives back exactly the document written, sensitive keys merged', async () => {
    const document = seed();
    const read = await readCache(await written(document));
    assert.equal(read.state, 'ok');
    if (read.state !== 'ok') return;
    assert.equal(read.sensitive, 'ok');
    assert.equal(read.sensitiveProblem, null);
    assert.deepEqual(read.document, document);
  });

  it('says missing for no file and for no directory', async () => {
    const dir = fresh();
    assert.deepEqual(await readCache(dir), { state: 'missing' });
    await mkdir(dir);
    assert.deepEqual(await readCache(dir), { state: 'missing' });
  });

  const corrupt: [string, (document: Record<string, unknown>) => string, RegExp][] = [
    ['truncated JSON', (d) => JSON.stringify(d).slice(0, 100), /not valid JSON/],
    ['an unknown schema', (d) => JSON.stringify({ ...d, schema: 2 }), /schema 2 is not supported \(this mdctl reads schema 1\)/],
    ['no schema', (d) => JSON.stringify({ ...d, schema: undefined }), /: no schema$/],
    ['a wrong type', (d) => JSON.stringify({ ...d, routes: [{ destination: '0.0.0.0/0', gateway: 7, link: null, mac: null, network_id: null }] }), /routes\[0\]\.gateway: not a string/],
    ['a missing key', (d) => JSON.stringify({ ...d, instance_id: undefined }), /instance_id: missing/],
    ['an unknown key', (d) => JSON.stringify({ ...d, extra: 1 }), /extra: unknown key/],
    ['a sensitive key', (d) => JSON.stringify({ ...d, user_data: 'leaked' }), /holds sensitive keys/],
    ['a string schema', (d) => JSON.stringify({ ...d, schema: '1' }), /schema "1" is not supported/],
    ['an array', () => '[]', /not an object/],
  ];
  for (const [title, make, reason] of corrupt) {
    it(`ignores an instance.json with ${title}`, async () => {
      const dir = await written();
      const publicDocument = JSON.parse(await readFile(join(dir, CACHE_FILE), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, CACHE_FILE), make(publicDocument));
      const read = await readCache(dir);
      assert.equal(read.state, 'invalid');
      assert.match(read.state === 'invalid' ? read.reason : '', reason);
    });
  }

  it('ignores a symlinked instance.json', async () => {
    const real = await written();
    const dir = fresh();
    await mkdir(dir);
    await symlink(join(real, CACHE_FILE), join(dir, CACHE_FILE));
    const read = await readCache(dir);
    assert.equal(read.state, 'invalid');
    assert.match(read.state === 'invalid' ? read.reason : '', /symbolic link/);
  });

  it('leaves the sensitive keys out when their file is missing, corrupt, symlinked or from another fetch', async () => {
    const cases: [string, (dir: string) => Promise<void>, string, RegExp][] = [
      ['missing', (dir) => rm(join(dir, SENSITIVE_FILE)), 'missing', /is missing/],
      ['corrupt', (dir) => writeFile(join(dir, SENSITIVE_FILE), '{"schema":1,'), 'invalid', /not valid JSON/],
      [
        'symlinked',
        async (dir) => {
          await rm(join(dir, SENSITIVE_FILE));
          await symlink(join(base, 'elsewhere'), join(dir, SENSITIVE_FILE));
        },
        'invalid',
        /symbolic link/,
      ],
      [
        'another fetch',
        async (dir) => {
          const text = await readFile(join(dir, SENSITIVE_FILE), 'utf8');
          await writeFile(join(dir, SENSITIVE_FILE), text.replace(AT.toISOString(), '2024-01-01T00:00:00.000Z'));
        },
        'invalid',
        /another fetch/,
      ],
      [
        'a wrong type',
        async (dir) => {
          const file = JSON.parse(await readFile(join(dir, SENSITIVE_FILE), 'utf8')) as { values: Record<string, unknown> };
          file.values.user_data = 42;
          await writeFile(join(dir, SENSITIVE_FILE), JSON.stringify(file));
        },
        'invalid',
        /user_data: not a string/,
      ],
    ];
    for (const [title, damage, state, problem] of cases) {
      const dir = await written();
      await damage(dir);
      const read = await readCache(dir);
      assert.equal(read.state, 'ok', title);
      if (read.state !== 'ok') continue;
      assert.equal(read.sensitive, state, title);
      assert.match(read.sensitiveProblem ?? '', problem, title);
      assert.equal('user_data' in read.document, false, title);
      assert.equal(read.document.hostname, 'dvr3-demo12.novalocal', title);
    }
  });

  it('says denied when a user who is not root cannot read the sensitive file', async () => {
    const dir = await written();
    await chmod(base, 0o755);
    // The clone may be in a folder nobody cannot enter: the reader goes where nobody can import it.
    const module = await moduleForOthers(fileURLToPath(new URL('../../src/cache/cache.js', import.meta.url)));
    const script = `const { readCache } = await import(${JSON.stringify(module)}); const r = await readCache(process.argv[1]);
      console.log(JSON.stringify({ state: r.state, sensitive: r.sensitive, problem: r.sensitiveProblem, user_data: 'user_data' in r.document, hostname: r.document.hostname }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout) as Record<string, unknown>;
    assert.equal(result.state, 'ok');
    assert.equal(result.sensitive, 'denied');
    assert.match(String(result.problem), /instance-sensitive\.json": permission denied/);
    assert.equal(result.user_data, false);
    assert.equal(result.hostname, 'dvr3-demo12.novalocal');
  });
});

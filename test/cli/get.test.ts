// `mdctl get` as a process on a cache written with the cache API: keys, output rules, errors, lazy imports.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CACHE_FILE, SENSITIVE_FILE, writeCache } from '../../src/cache/cache.js';
import type { Instance } from '../../src/core/instance.js';
import { normalize } from '../../src/model/normalize.js';
import { BIN, MULTI_FILE, runCli, type CliResult } from '../helpers/cli.js';
import { AS_NOBODY, removeForOthers, singleFileForOthers } from '../helpers/other-user.js';
import { openstackRaw } from '../model/normalize-fixtures.js';

const AT = new Date('2025-05-01T12:00:00.000Z');

let base: string;
let dir: string;
let document: Instance;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mdctl-get-test-'));
  await chmod(base, 0o755);
  dir = join(base, 'cache');
  document = normalize(openstackRaw('seed-static'), AT);
  await writeCache(dir, document);
});
after(async () => {
  await rm(base, { recursive: true, force: true });
  await removeForOthers();
});

const get = (args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<CliResult> =>
  runCli(['--cache-dir', dir, 'get', ...args], options);

function ok(result: CliResult): string {
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0);
  return result.stdout;
}

describe('mdctl get on a warm cache', () => {
  it('prints the hostname raw and writes nothing', async () => {
    const before = [await readFile(join(dir, CACHE_FILE)), await readFile(join(dir, SENSITIVE_FILE))];
    assert.equal(ok(await get(['hostname'])), 'dvr3-demo12.novalocal\n');
    assert.deepEqual([await readFile(join(dir, CACHE_FILE)), await readFile(join(dir, SENSITIVE_FILE))], before);
  });

  it('treats - and _ alike', async () => {
    assert.equal(ok(await get(['instance-id'])), '795fed3a-431a-4b89-bd80-ffac22196e72\n');
    assert.equal(ok(await get(['instance_id'])), '795fed3a-431a-4b89-bd80-ffac22196e72\n');
    assert.equal(ok(await get(['openstack.meta-data.availability-zone'])), 'nova\n');
  });

  it('answers openstack.meta_data.availability_zone', async () => {
    assert.equal(ok(await get(['openstack.meta_data.availability_zone'])), 'nova\n');
  });

  it('prints public-keys --json as JSON', async () => {
    assert.deepEqual(JSON.parse(ok(await get(['public-keys', '--json']))), document.public_keys);
  });

  it('indexes arrays with numbers and adds no second newline', async () => {
    const data = document.public_keys[0]?.data ?? '';
    assert.ok(data.endsWith('\n'));
    assert.equal(ok(await get(['public-keys.0.data'])), data);
    assert.equal(ok(await get(['dns-nameservers.1'])), '192.168.0.4\n');
  });

  it('prints routes --json', async () => {
    const routes = JSON.parse(ok(await get(['routes', '--json']))) as Instance['routes'];
    assert.deepEqual(
      routes?.map((r) => [r.destination, r.gateway, r.mac]),
      [
        ['0.0.0.0/0', '192.168.0.1', 'fa:16:3e:5b:a1:0c'],
        ['10.20.0.0/16', '192.168.0.254', 'fa:16:3e:5b:a1:0c'],
        ['172.31.5.0/24', '192.168.0.253', 'fa:16:3e:5b:a1:0c'],
      ],
    );
  });

  it('prints non-strings as pretty JSON, or YAML with --yaml', async () => {
    assert.equal(ok(await get(['meta'])), '{\n  "role": "demo",\n  "owner": "platform-team"\n}\n');
    assert.equal(ok(await get(['launch-index'])), '0\n');
    assert.equal(ok(await get(['meta', '--yaml'])), 'role: demo\nowner: platform-team\n');
    assert.match(ok(await get(['routes', '--yaml'])), /^- destination: 0\.0\.0\.0\/0\n {2}gateway: 192\.168\.0\.1\n/);
  });

  it('prints a string JSON-encoded with --json', async () => {
    assert.equal(ok(await get(['hostname', '--json'])), '"dvr3-demo12.novalocal"\n');
  });

  it('prints user-data as it was served', async () => {
    assert.equal(ok(await get(['user-data'])), "#!/bin/sh\necho 'hello from dvr3-demo12 user-data' > /tmp/user-data-ran\n");
  });

  it('prints the whole document without a key', async () => {
    assert.deepEqual(JSON.parse(ok(await get([]))), JSON.parse(JSON.stringify(document)));
  });

  for (const key of ['foo.bar', 'routes.9', 'routes.-1', 'hostname.x', 'public-keys..data', 'openstack.meta_data.nope']) {
    it(`fails for the missing key ${key} (exit 1, nothing on stdout)`, async () => {
      const result = await get([key]);
      assert.equal(result.status, 1);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, `mdctl: get: no key ${JSON.stringify(key)} in the instance document\n`);
    });
  }
});

describe('mdctl get as a user who cannot read the sensitive file', () => {
  // nobody runs a copy of the single file: the clone may be in a folder nobody cannot enter.
  const nobody = async (): Promise<Parameters<typeof runCli>[1]> => ({ wrap: AS_NOBODY, entry: await singleFileForOthers() });
  it('answers ordinary keys', async () => {
    assert.equal(ok(await get(['hostname'], await nobody())), 'dvr3-demo12.novalocal\n');
  });

  for (const key of ['user-data', 'openstack.vendor_data', 'random-seed', 'openstack.meta_data.random_seed']) {
    it(`refuses the sensitive key ${key} with exit 1`, async () => {
      const result = await get([key], await nobody());
      assert.equal(result.status, 1);
      assert.equal(result.stdout, '');
      assert.equal(
        result.stderr,
        `mdctl: get: ${JSON.stringify(key)} is sensitive: cannot read ${JSON.stringify(join(dir, SENSITIVE_FILE))}: permission denied (run mdctl as root)\n`,
      );
    });
  }

  it('prints the document without the sensitive keys, with a warning', async () => {
    const result = await get(['openstack', '--json'], await nobody());
    assert.equal(result.status, 0);
    assert.match(result.stderr, /^mdctl: warning: sensitive keys left out: cannot read .*: permission denied\n$/);
    const openstack = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal('vendor_data' in openstack, false);
    assert.deepEqual(openstack.network_data, document.openstack?.network_data);
  });

  it('still says a key that is not sensitive does not exist', async () => {
    const result = await get(['nope'], await nobody());
    assert.equal(result.status, 1);
    assert.equal(result.stderr, 'mdctl: get: no key "nope" in the instance document\n');
  });
});

describe('mdctl get loads no fetch code on a warm cache', () => {
  /** Runs get from the multi-file build with a module hook that records the URL of every module loaded. */
  async function loaded(args: string[]): Promise<{ result: CliResult; urls: string[] }> {
    const trace = join(base, `trace-${args.join('-')}.txt`);
    const hooks = join(base, 'hooks.mjs');
    const preload = join(base, 'preload.mjs');
    await writeFile(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(trace)}, result.url + '\\n');
  return result;
}
`,
    );
    await writeFile(preload, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    await writeFile(trace, '');
    const result = await get(args, { entry: MULTI_FILE, env: { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` } });
    return { result, urls: (await readFile(trace, 'utf8')).split('\n').filter((line) => line !== '') };
  }

  const heavy = [
    '/node_modules/',
    '/dist/net/',
    '/dist/sources/',
    '/dist/cli/fetcher.js',
    '/dist/cli/full.js',
    '/dist/cli/program.js',
    '/dist/cli/output.js',
    '/dist/cli/commands/',
  ];

  it('get hostname imports none of got, ora, chalk, js-yaml, commander, the full program or the fetch code', async () => {
    const { result, urls } = await loaded(['hostname']);
    assert.equal(ok(result), 'dvr3-demo12.novalocal\n');
    assert.ok(urls.some((url) => url.endsWith('/dist/cli/direct.js')), 'the hook saw the direct path');
    assert.ok(urls.some((url) => url.endsWith('/dist/cache/cache.js')), 'the hook saw the cache module');
    assert.deepEqual(urls.filter((url) => heavy.some((part) => url.includes(part))), []);
  });

  it('the hook does see a package when one is needed (js-yaml for --yaml)', async () => {
    const { result, urls } = await loaded(['meta', '--yaml']);
    assert.equal(ok(result), 'role: demo\nowner: platform-team\n');
    assert.ok(urls.some((url) => url.includes('/node_modules/js-yaml/')));
    assert.ok(!urls.some((url) => url.includes('/node_modules/got/')));
  });
});

describe('mdctl when stdout cannot take the answer', () => {
  /** Runs mdctl with stdout on `target`; resolves the exit status and stderr. */
  function withStdout(target: 'full' | 'closed', args: string[]): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const stdout = target === 'full' ? openSync('/dev/full', 'w') : 'pipe';
      const child = spawn(process.execPath, [BIN, '--cache-dir', dir, ...args], { stdio: ['ignore', stdout, 'pipe'] });
      if (typeof stdout === 'number') closeSync(stdout);
      // The reader goes away before mdctl writes: the write meets a closed pipe.
      child.stdout?.destroy();
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stderr }));
    });
  }

  // `get hostname` is answered by the single file's direct path; the others run the full program.
  for (const args of [['get', 'hostname'], ['get', 'hostname', '--json'], ['get', 'public-keys', '--yaml'], ['completion', 'bash']]) {
    it(`${args.join(' ')}: a full device is one line naming the cause, exit 1`, async () => {
      assert.deepEqual(await withStdout('full', args), { status: 1, stderr: 'mdctl: cannot write to stdout: ENOSPC\n' });
    });

    it(`${args.join(' ')}: a reader that has gone is no error (as \`mdctl ${args.join(' ')} | head -c0\`)`, async () => {
      assert.deepEqual(await withStdout('closed', args), { status: 0, stderr: '' });
    });
  }
});

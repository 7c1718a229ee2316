// `mdctl serve` as a process: ready line, listen addresses, signals, and every refusal (fixture, flags, taken port).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { SEED_DHCP_FIXTURE, httpRequest, startEmulator, writeFixture } from '../helpers/emulator.js';

const UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';

/** Runs serve expecting a refusal: no ready line, one line on stderr, the given status. */
async function refused(args: string[], status: number): Promise<string> {
  const result = await runCli(['serve', '--port', '0', ...args], { timeoutMs: 10_000 });
  assert.equal(result.stdout, '', 'no ready line');
  assert.equal(result.status, status, `exit status; stderr: ${result.stderr}`);
  assert.match(result.stderr, /^mdctl: [^\n]+\n$/, 'one line on stderr');
  return result.stderr;
}

describe('mdctl serve: ready line and addresses', () => {
  it('serves the bundled dvr3-demo12 sample by default, on 127.0.0.1', async () => {
    const emulator = await startEmulator();
    try {
      assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const md = await httpRequest(`${emulator.url}/openstack/latest/meta_data.json`);
      const doc = JSON.parse(md.body.toString()) as Record<string, unknown>;
      assert.equal(doc.hostname, 'dvr3-demo12.novalocal');
      assert.deepEqual(doc.meta, { role: 'demo', owner: 'platform-team' });
      const net = JSON.parse((await httpRequest(`${emulator.url}/openstack/latest/network_data.json`)).body.toString()) as {
        networks: { routes: unknown[] }[];
      };
      assert.equal(net.networks[0]?.routes.length, 3);
      const versions = (await httpRequest(`${emulator.url}/openstack`)).body.toString().split('\n');
      assert.equal(versions.at(-2), '2025-04-04', 'the sample serves every version up to today');
    } finally {
      await emulator.stop();
    }
  });

  it('prints one line with every URL when listening on several addresses, all serving', async () => {
    const emulator = await startEmulator({ fixture: SEED_DHCP_FIXTURE, listen: ['127.0.0.1', '::1', '127.0.0.2'] });
    try {
      assert.equal(emulator.urls.length, 3);
      const port = new URL(emulator.url).port;
      assert.deepEqual(emulator.urls, [`http://127.0.0.1:${port}`, `http://[::1]:${port}`, `http://127.0.0.2:${port}`]);
      for (const url of emulator.urls) {
        const res = await httpRequest(`${url}/latest/meta-data/instance-id`);
        assert.equal(res.body.toString(), 'i-0000000c', url);
      }
    } finally {
      await emulator.stop();
    }
  });

  it('exits 0 on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const emulator = await startEmulator({ fixture: SEED_DHCP_FIXTURE });
      const exited = new Promise<number | null>((resolve) => emulator.child.on('exit', (code) => resolve(code)));
      emulator.child.kill(signal);
      assert.equal(await exited, 0, signal);
      await assert.rejects(httpRequest(`${emulator.url}/`), /ECONNREFUSED/);
    }
  });

  it('stops while a client holds a keep-alive connection', async () => {
    const emulator = await startEmulator({ fixture: SEED_DHCP_FIXTURE });
    const res = await fetch(`${emulator.url}/latest/meta-data/hostname`, { headers: { Connection: 'keep-alive' } });
    assert.equal(await res.text(), 'dvr3-demo12.novalocal');
    await emulator.stop();
    assert.equal(emulator.child.exitCode, 0);
  });
});

describe('mdctl serve: refusals', () => {
  const badFixtures: [string, string, RegExp][] = [
    ['uuid of the wrong type', 'instances:\n  - uuid: 12\n', /: instances\[0\]\.uuid: must be a string$/],
    ['a missing uuid', 'instances:\n  - name: a\n', /: instances\[0\]\.uuid: is required$/],
    ['an unknown key', `instances:\n  - uuid: ${UUID}\n    colour: blue\n`, /: instances\[0\]\.colour: unknown key$/],
    ['an unknown service key', `versions: 2\ninstances:\n  - uuid: ${UUID}\n`, /: versions: unknown key$/],
    ['no instances', 'max_version: 2020-10-14\n', /: instances: is required$/],
    ['an empty instance list', 'instances: []\n', /: instances: must list at least one instance$/],
    ['an unknown max_version', `max_version: 2019-01-01\ninstances:\n  - uuid: ${UUID}\n`, /: max_version: "2019-01-01" is not an OpenStack metadata version$/],
    ['a bad fixed address', `instances:\n  - uuid: ${UUID}\n    fixed_addresses: [10.0.0.1, 10.0.0.300]\n`, /: instances\[0\]\.fixed_addresses\[1\]: "10\.0\.0\.300" is not an IP address$/],
    ['a key without data', `instances:\n  - uuid: ${UUID}\n    keys: [{name: k}]\n`, /: instances\[0\]\.keys\[0\]\.data: is required$/],
    ['meta with a number', `instances:\n  - uuid: ${UUID}\n    meta: {count: 3}\n`, /: instances\[0\]\.meta\.count: must be a string$/],
    ['both user_data forms', `instances:\n  - uuid: ${UUID}\n    user_data: a\n    user_data_base64: YQ==\n`, /: instances\[0\]\.user_data_base64: conflicts with user_data; give one$/],
    ['a duplicate uuid', `instances:\n  - uuid: ${UUID}\n  - uuid: ${UUID}\n`, /: instances\[1\]\.uuid: ".*" is also the uuid of instances\[0\]$/],
    ['an unknown default instance', `default_instance: nope\ninstances:\n  - uuid: ${UUID}\n`, /: default_instance: no instance has uuid "nope"$/],
    ['a device of unknown type', `instances:\n  - uuid: ${UUID}\n    devices: [{type: gpu}]\n`, /: instances\[0\]\.devices\[0\]\.type: must be nic, disk or share$/],
    ['a list at the top', '- a\n- b\n', /: \(top level\): must be a mapping$/],
    ['invalid YAML', 'instances:\n  - uuid: "x\n', /:\d+:\d+: invalid YAML: /],
  ];
  for (const [what, yaml, message] of badFixtures) {
    it(`refuses a fixture with ${what}: exit 2, one line naming the field`, async () => {
      const path = await writeFixture(yaml);
      const stderr = await refused(['--fixture', path], 2);
      assert.ok(stderr.startsWith(`mdctl: ${path}`), stderr);
      assert.match(stderr.trimEnd(), message);
    });
  }

  it('refuses a fixture file that does not exist: exit 2', async () => {
    const stderr = await refused(['--fixture', '/nonexistent/fixture.yaml'], 2);
    assert.equal(stderr, 'mdctl: /nonexistent/fixture.yaml: no such file\n');
  });

  it('refuses a bad faults file: exit 2, naming the rule field', async () => {
    const faults = await writeFixture('- path: /openstack/**\n  status: 700\n');
    const stderr = await refused(['--faults', faults], 2);
    assert.equal(stderr, `mdctl: ${faults}: [0].status: must be from 200 to 599\n`);
    const idle = await writeFixture('- path: /openstack/**\n');
    assert.match(await refused(['--faults', idle], 2), /\[0\]: does nothing; give one of status, /);
  });

  for (const [flags, message] of [
    [['--port', 'abc'], 'mdctl: serve: --port: "abc" is not a port (0-65535)\n'],
    [['--port', '70000'], 'mdctl: serve: --port: "70000" is not a port (0-65535)\n'],
    [['--listen', 'localhost'], 'mdctl: serve: --listen: "localhost" is not an IP address (e.g. 127.0.0.1, ::1, 169.254.169.254 or fe80::a9fe:a9fe%eth0)\n'],
    [['--listen', '10.0.0.1%eth0'], 'mdctl: serve: --listen: "10.0.0.1%eth0" is not an IP address (e.g. 127.0.0.1, ::1, 169.254.169.254 or fe80::a9fe:a9fe%eth0)\n'],
  ] as const) {
    it(`refuses ${flags.join(' ')}: exit 2`, async () => {
      const result = await runCli(['serve', ...flags], { timeoutMs: 10_000 });
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, message);
    });
  }

  it('refuses an unknown option: exit 2', async () => {
    const result = await runCli(['serve', '--colour'], { timeoutMs: 10_000 });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^mdctl: .*--colour/);
  });

  it('refuses a taken port: exit 1, "address already in use", nothing left listening', async () => {
    const first = await startEmulator({ fixture: SEED_DHCP_FIXTURE });
    try {
      const port = new URL(first.url).port;
      const result = await runCli(['serve', '--port', port], { timeoutMs: 10_000 });
      assert.equal(result.status, 1);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, `mdctl: serve: cannot listen on 127.0.0.1:${port}: address already in use (another program, perhaps another mdctl serve, has the port: pick another with --port N, or --port 0 for a free one)\n`);
      const second = await runCli(['serve', '--port', port, '--listen', '127.0.0.3', '--listen', '127.0.0.1'], { timeoutMs: 10_000 });
      assert.equal(second.status, 1, 'the first address was opened, the second failed: the whole start fails');
      assert.equal(second.stderr, `mdctl: serve: cannot listen on 127.0.0.1:${port}: address already in use (another program, perhaps another mdctl serve, has the port: pick another with --port N, or --port 0 for a free one)\n`);
    } finally {
      await first.stop();
    }
  });

  it('refuses a log file it cannot open: exit 1', async () => {
    const stderr = await refused(['--log', '/nonexistent/dir/access.log'], 1);
    assert.equal(stderr, 'mdctl: serve: cannot open log /nonexistent/dir/access.log: ENOENT\n');
  });
});

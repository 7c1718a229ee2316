// The emulator's behaviour beyond the Nova fixtures: password, versions, identity, several instances, EC2-only, access log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EC2_ONLY_FIXTURE, SEED_DHCP_FIXTURE, httpRequest, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

const TWO_INSTANCES = `
max_version: 2016-06-30
instances:
  - uuid: ${A}
    name: alpha
    fixed_addresses: [10.0.0.5]
  - uuid: ${B}
    name: beta
    hostname: beta-host
    dhcp_domain: ""
    fixed_addresses: [10.0.0.6, "fd00::6"]
    keys:
      - {name: k1, data: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKd first"}
      - {name: k2, type: x509, data: "cert"}
    user_data_base64: AAEC/w==
    password: preset
  - uuid: ${C}
    name: gamma
    fixed_addresses: [10.0.0.7]
`;

async function body(url: string, headers: Record<string, string> = {}): Promise<string> {
  return (await httpRequest(url, { headers })).body.toString();
}

describe('several instances, identity by address', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ fixture: await writeFixture(TWO_INSTANCES) });
  });
  after(async () => {
    await emulator.stop();
  });

  it('answers the first instance to an unknown address (loopback)', async () => {
    assert.equal(await body(`${emulator.url}/latest/meta-data/hostname`), 'alpha.novalocal');
    assert.equal(await body(`${emulator.url}/latest/meta-data/instance-id`), 'i-00000001');
  });

  it('answers the instance owning the X-Forwarded-For address', async () => {
    const md = JSON.parse(await body(`${emulator.url}/openstack/latest/meta_data.json`, { 'X-Forwarded-For': '10.0.0.6, 172.16.0.1' })) as Record<string, unknown>;
    assert.equal(md.uuid, B);
    assert.equal(md.hostname, 'beta-host', 'no dhcp_domain: the bare hostname');
    assert.deepEqual(Object.keys(md.public_keys as object), ['k1', 'k2']);
    assert.deepEqual(md.keys, [
      { name: 'k1', type: 'ssh', data: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKd first' },
      { name: 'k2', type: 'x509', data: 'cert' },
    ]);
    assert.equal(await body(`${emulator.url}/latest/meta-data/instance-id`, { 'X-Forwarded-For': '10.0.0.7' }), 'i-00000003');
    assert.equal(await body(`${emulator.url}/latest/meta-data/instance-id`, { 'X-Forwarded-For': 'fd00::6' }), 'i-00000002');
    const entries = await emulator.requests();
    assert.deepEqual(entries.slice(-3).map((e) => e.instance), [B, C, B]);
  });

  it('lists several keys in the EC2 tree as 0=<name>, 1=<name>', async () => {
    const headers = { 'X-Forwarded-For': '10.0.0.6' };
    assert.equal(await body(`${emulator.url}/latest/meta-data/public-keys/`, headers), '0=k1\n1=k2');
    assert.equal(await body(`${emulator.url}/latest/meta-data/public-keys/1/openssh-key`, headers), 'cert');
    const none = await httpRequest(`${emulator.url}/latest/meta-data/public-keys/`);
    assert.equal(none.status, 404, 'no keys: public-keys is 404');
  });

  it('serves binary user data byte for byte, and lists user data only when set', async () => {
    const headers = { 'X-Forwarded-For': '10.0.0.6' };
    const res = await httpRequest(`${emulator.url}/openstack/latest/user_data`, { headers });
    assert.deepEqual([...res.body], [0, 1, 2, 255]);
    assert.equal(await body(`${emulator.url}/latest`, headers), 'meta-data/\nuser-data');
    assert.equal(await body(`${emulator.url}/latest`), 'meta-data/');
    assert.equal((await httpRequest(`${emulator.url}/latest/user-data`)).status, 404);
    assert.equal((await httpRequest(`${emulator.url}/openstack/latest/user_data`)).status, 404);
    assert.equal(await body(`${emulator.url}/openstack/latest`), 'meta_data.json\npassword\nvendor_data.json\nnetwork_data.json');
  });

  it('public-ipv4 is empty without a floating IP; local-ipv4 is the fixed address', async () => {
    const ipv4 = await httpRequest(`${emulator.url}/latest/meta-data/public-ipv4`);
    assert.equal(ipv4.status, 200);
    assert.equal(ipv4.body.length, 0);
    assert.equal(await body(`${emulator.url}/latest/meta-data/local-ipv4`), '10.0.0.5');
  });

  it('stops at max_version: no later versions, files or keys; latest is max_version', async () => {
    assert.equal(
      await body(`${emulator.url}/openstack`),
      '2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\nlatest',
    );
    assert.equal((await httpRequest(`${emulator.url}/openstack/2016-10-06/meta_data.json`)).status, 404);
    assert.equal((await httpRequest(`${emulator.url}/openstack/latest/vendor_data2.json`)).status, 404);
    const md = JSON.parse(await body(`${emulator.url}/openstack/latest/meta_data.json`)) as Record<string, unknown>;
    assert.ok('devices' in md && !('dedicated_cpus' in md));
  });
});

describe('password', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ fixture: await writeFixture(TWO_INSTANCES) });
  });
  after(async () => {
    await emulator.stop();
  });

  const url = () => `${emulator.url}/openstack/latest/password`;

  it('GET is an empty 200 text/html until a POST sets it; a second POST is 409', async () => {
    const empty = await httpRequest(url());
    assert.equal(empty.status, 200);
    assert.equal(empty.contentType, 'text/html; charset=UTF-8');
    assert.equal(empty.body.length, 0);
    const set = await httpRequest(url(), { method: 'POST', body: 'encrypted-password' });
    assert.equal(set.status, 200);
    assert.equal(await body(url()), 'encrypted-password');
    const again = await httpRequest(url(), { method: 'POST', body: 'other' });
    assert.equal(again.status, 409);
    assert.equal(again.body.toString(), '409 Conflict\n\nThere was a conflict when trying to complete your request.\n\n   ');
    assert.equal(await body(url()), 'encrypted-password');
  });

  it('a fixture password is set from the start', async () => {
    const headers = { 'X-Forwarded-For': '10.0.0.6' };
    assert.equal(await body(url(), headers), 'preset');
    assert.equal((await httpRequest(url(), { method: 'POST', headers, body: 'x' })).status, 409);
  });

  it('refuses more than 1020 bytes with 400, and methods other than GET and POST', async () => {
    const headers = { 'X-Forwarded-For': '10.0.0.7' };
    const big = await httpRequest(url(), { method: 'POST', headers, body: 'x'.repeat(1021) });
    assert.equal(big.status, 400);
    assert.equal(big.body.toString(), '400 Bad Request\n\nRequest is too large.\n\n   ');
    const put = await httpRequest(url(), { method: 'PUT', headers, body: 'x' });
    assert.equal(put.status, 400);
    assert.equal(put.body.toString(), '400 Bad Request\n\nGET and POST only are supported.\n\n   ');
    const exact = await httpRequest(url(), { method: 'POST', headers, body: 'y'.repeat(1020) });
    assert.equal(exact.status, 200);
    assert.equal(await body(url(), headers), 'y'.repeat(1020));
  });

  it('does not exist before 2013-04-04', async () => {
    assert.equal((await httpRequest(`${emulator.url}/openstack/2012-08-10/password`)).status, 404);
  });
});

describe('default_instance: null', () => {
  it('answers 404 to an address no instance owns, as Nova does', async () => {
    const emulator = await startEmulator({
      fixture: await writeFixture(`default_instance: null\ninstances:\n  - uuid: ${A}\n    fixed_addresses: [10.0.0.5]\n`),
    });
    try {
      const res = await httpRequest(`${emulator.url}/latest/meta-data/hostname`);
      assert.equal(res.status, 404);
      assert.equal(res.body.toString(), '404 Not Found\n\nThe resource could not be found.\n\n   ');
      assert.equal((await httpRequest(`${emulator.url}/`)).status, 200, '/ needs no instance');
      assert.equal(await body(`${emulator.url}/latest/meta-data/instance-id`, { 'X-Forwarded-For': '10.0.0.5' }), 'i-00000001');
    } finally {
      await emulator.stop();
    }
  });
});

describe('EC2-only service', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ fixture: EC2_ONLY_FIXTURE });
  });
  after(async () => {
    await emulator.stop();
  });

  it('answers 404 for /openstack and everything under it', async () => {
    for (const path of ['/openstack', '/openstack/', '/openstack/latest', '/openstack/latest/meta_data.json']) {
      assert.equal((await httpRequest(`${emulator.url}${path}`)).status, 404, path);
    }
  });

  it('serves the EC2 tree', async () => {
    assert.equal(await body(`${emulator.url}/latest/meta-data/hostname`), 'dvr3-demo12.novalocal');
    assert.equal(await body(`${emulator.url}/2009-04-04/meta-data/placement/availability-zone`), 'nova');
  });
});

describe('paths as Nova normalises them', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ fixture: SEED_DHCP_FIXTURE });
  });
  after(async () => {
    await emulator.stop();
  });

  for (const [path, expected] of [
    ['/latest/meta-data/hostname/', 'dvr3-demo12.novalocal'],
    ['/latest//meta-data/./hostname', 'dvr3-demo12.novalocal'],
    ['/ec2/latest/meta-data/hostname', 'dvr3-demo12.novalocal'],
    ['/openstack/latest/../2015-10-15/vendor_data.json', '{}'],
    ['/latest/meta-data/instance-id?x=1', 'i-0000000c'],
    ['/latest/meta-data/instance%2Did', 'i-0000000c'],
    ['/openstack/latest/version', 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json'],
  ] as const) {
    it(`${path}`, async () => {
      const res = await httpRequest(`${emulator.url}${path}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), expected);
    });
  }

  it('answers errors as HTML when the client accepts anything (curl)', async () => {
    const res = await httpRequest(`${emulator.url}/nothing`, { headers: { Accept: '*/*' } });
    assert.equal(res.status, 404);
    assert.equal(res.contentType, 'text/html; charset=UTF-8');
    assert.match(res.body.toString(), /<title>404 Not Found<\/title>/);
  });

  it('answers HEAD without a body', async () => {
    const res = await httpRequest(`${emulator.url}/latest/meta-data/hostname`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String('dvr3-demo12.novalocal'.length));
    assert.equal(res.body.length, 0);
  });
});

describe('access log', () => {
  it('writes one JSON line per request with method, path, status, remote, duration, instance', async () => {
    const emulator = await startEmulator({ fixture: SEED_DHCP_FIXTURE });
    try {
      await httpRequest(`${emulator.url}/openstack/latest/meta_data.json?x=1`);
      await httpRequest(`${emulator.url}/missing`, { method: 'POST', body: 'abc' });
      await httpRequest(`${emulator.url}/`);
      const entries = await emulator.requests();
      assert.equal(entries.length, 3);
      const [md, missing, root] = entries;
      assert.deepEqual(
        { method: md?.method, path: md?.path, status: md?.status, remote: md?.remote, instance: md?.instance, fault: md?.fault },
        { method: 'GET', path: '/openstack/latest/meta_data.json', status: 200, remote: '127.0.0.1', instance: '795fed3a-431a-4b89-bd80-ffac22196e72', fault: null },
      );
      assert.equal(typeof md?.duration_ms, 'number');
      assert.ok(!Number.isNaN(Date.parse(md?.time ?? '')));
      assert.deepEqual([missing?.method, missing?.status], ['POST', 404]);
      assert.deepEqual([root?.status, root?.instance], [200, null]);
    } finally {
      await emulator.stop();
    }
  });
});

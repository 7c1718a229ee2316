// Crawls against the real emulator process: both seed fixtures, EC2-only, proxy mode behind a signing front, and the race.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dump } from 'js-yaml';
import { Deadline } from '../../src/core/deadline.js';
import { MdctlError, type ErrorCode } from '../../src/core/errors.js';
import type { RawMetadata } from '../../src/core/raw.js';
import { createClient } from '../../src/net/http.js';
import { readMetadata, type SourceSpec } from '../../src/sources/select.js';
import { PROXY_INSTANCE_ID, closedPort, forwardingFront, signingFront, type Front } from './front.js';
import { EC2_ONLY_FIXTURE, NOVA_FIXTURES, SEED_DHCP_FIXTURE, SEED_STATIC_FIXTURE, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';

const SECRET = 'mdctl-sources-secret';
const ALL_FILES = ['meta_data.json', 'network_data.json', 'vendor_data.json', 'vendor_data2.json', 'user_data'];

function crawl(candidates: string[], spec: SourceSpec = { kind: 'auto' }, timeoutMs = 10_000): Promise<RawMetadata> {
  return readMetadata({
    spec,
    candidates: () => Promise.resolve(candidates),
    clientFactory: () => Promise.resolve(createClient),
    deadline: new Deadline(timeoutMs),
    root: '/nonexistent',
    probeConfigDrive: false,
    log: () => {},
  });
}

function novaFile(fixture: string, path: string): Buffer {
  return readFileSync(join(NOVA_FIXTURES, fixture, path));
}

function novaJson(fixture: string, path: string): Record<string, unknown> {
  return JSON.parse(novaFile(fixture, path).toString('utf8')) as Record<string, unknown>;
}

/** random_seed is new on every request. */
function withoutSeed(doc: unknown): unknown {
  const copy = { ...(doc as Record<string, unknown>) };
  delete copy.random_seed;
  return copy;
}

/** The requests the emulator logged, as "METHOD path", after it stopped (so the log is complete). */
async function stopAndList(emulator: Emulator): Promise<string[]> {
  await emulator.stop();
  return (await emulator.requests()).map((entry) => `${entry.method} ${entry.path}`);
}

function rejectsWith(code: ErrorCode, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof MdctlError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'));
    return true;
  };
}

for (const fixture of ['seed-dhcp', 'seed-static']) {
  test(`${fixture}: newest version, every wanted file, 1 index + 1 listing + 1 per file`, async () => {
    const emulator = await startEmulator({ fixture: fixture === 'seed-dhcp' ? SEED_DHCP_FIXTURE : SEED_STATIC_FIXTURE });
    let raw: RawMetadata;
    try {
      raw = await crawl([emulator.url]);
    } finally {
      await emulator.stop();
    }
    assert.equal(raw.kind, 'openstack');
    assert.equal(raw.endpoint, emulator.url);
    assert.equal(raw.version, '2020-10-14');
    assert.deepEqual(raw.files, ALL_FILES);
    const root = 'openstack/2020-10-14';
    assert.deepEqual(withoutSeed(raw.openstack?.meta_data), withoutSeed(novaJson(fixture, `${root}/meta_data.json`)));
    assert.deepEqual(raw.openstack?.network_data, novaJson(fixture, `${root}/network_data.json`));
    assert.deepEqual(raw.openstack?.vendor_data, novaJson(fixture, `${root}/vendor_data.json`));
    assert.deepEqual(raw.openstack?.vendor_data2, novaJson(fixture, `${root}/vendor_data2.json`));
    assert.deepEqual(raw.openstack?.user_data, novaFile(fixture, `${root}/user_data`));

    const requests = (await emulator.requests()).map((entry) => `${entry.method} ${entry.path}`);
    assert.deepEqual(requests.slice(0, 2), ['GET /openstack', `GET /${root}`]);
    assert.deepEqual([...requests.slice(2)].sort(), ALL_FILES.map((file) => `GET /${root}/${file}`).sort());
    assert.equal(requests.length, 2 + ALL_FILES.length);
  });
}

test('--source openstack on an EC2-only service: rejected, /openstack is 404', async () => {
  const emulator = await startEmulator({ fixture: EC2_ONLY_FIXTURE });
  try {
    await assert.rejects(crawl([emulator.url], { kind: 'openstack' }), rejectsWith('ERR_REJECTED', /"\/openstack": 404/));
  } finally {
    await emulator.stop();
  }
});

test('EC2-only service: the EC2 tree, public keys by name, user-data; each path requested once', async () => {
  const emulator = await startEmulator({ fixture: EC2_ONLY_FIXTURE });
  let raw: RawMetadata;
  try {
    raw = await crawl([emulator.url]);
  } finally {
    await emulator.stop();
  }
  assert.equal(raw.kind, 'ec2');
  assert.equal(raw.version, 'latest');
  const tree = raw.ec2?.['meta-data'] as Record<string, unknown>;
  const nova = (path: string) => novaFile('seed-static', `latest/meta-data/${path}`).toString('utf8');
  assert.equal(tree['instance-id'], nova('instance-id'));
  assert.equal(tree.hostname, 'dvr3-demo12.novalocal');
  assert.deepEqual(tree.placement, { 'availability-zone': 'nova' });
  assert.deepEqual(tree['public-keys'], { '0=dvr3-key': { 'openssh-key': nova('public-keys/0/openssh-key') } });
  assert.deepEqual(raw.ec2?.user_data, novaFile('seed-static', 'latest/user-data'));
  assert.ok(raw.files.includes('user-data') && raw.files.includes('meta-data/public-keys/0/openssh-key'));

  const requests = await stopAndList(emulator);
  assert.equal(requests[0], 'GET /openstack');
  assert.ok(requests.includes('PUT /latest/api/token'), requests.join(', '));
  assert.equal(new Set(requests).size, requests.length, `duplicate requests: ${requests.join(', ')}`);
  assert.equal(requests.length, 1 + 1 + raw.files.length);
});

test('--source ec2 reads the EC2 tree even where OpenStack answers', async () => {
  const emulator = await startEmulator({ fixture: SEED_DHCP_FIXTURE });
  try {
    const raw = await crawl([emulator.url], { kind: 'ec2' });
    assert.equal(raw.kind, 'ec2');
    assert.equal((raw.ec2?.['meta-data'] as Record<string, unknown>)['local-ipv4'], '192.168.0.233');
  } finally {
    await emulator.stop();
  }
});

test('proxy mode behind a front that signs with the right secret: the whole tree', async () => {
  const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE, proxySecret: SECRET });
  const front = await signingFront(emulator.url, SECRET);
  try {
    const raw = await crawl([front.url]);
    assert.equal(raw.version, '2020-10-14');
    assert.deepEqual(raw.files, ALL_FILES);
    assert.equal((raw.openstack?.meta_data as Record<string, unknown>).uuid, PROXY_INSTANCE_ID);
  } finally {
    await front.close();
    await emulator.stop();
  }
});

test('proxy mode, wrong shared secret: ERR_FORBIDDEN at once, no crawl', async () => {
  const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE, proxySecret: SECRET });
  const front = await signingFront(emulator.url, 'not-the-secret');
  try {
    await assert.rejects(crawl([front.url]), rejectsWith('ERR_FORBIDDEN', /"\/openstack": 403/));
  } finally {
    await front.close();
  }
  assert.deepEqual(await stopAndList(emulator), ['GET /openstack']);
});

test('proxy mode without the headers: 400 is a rejection naming the missing headers', async () => {
  const emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE, proxySecret: SECRET });
  try {
    await assert.rejects(crawl([emulator.url]), (error: unknown) => {
      rejectsWith('ERR_REJECTED', /"\/openstack": 400/)(error);
      assert.match((error as MdctlError).hint ?? '', /X-Instance-ID/);
      return true;
    });
  } finally {
    await emulator.stop();
  }
});

test('race: a dead candidate and a live one; the live one serves every request', async () => {
  const emulator = await startEmulator({ fixture: SEED_DHCP_FIXTURE });
  const dead = await closedPort();
  try {
    const raw = await crawl([dead, emulator.url], { kind: 'auto' }, 3000);
    assert.equal(raw.endpoint, emulator.url);
  } finally {
    await emulator.stop();
  }
  const requests = (await emulator.requests()).map((entry) => entry.path);
  assert.equal(requests.filter((path) => path === '/openstack').length, 1);
  assert.equal(requests.length, 2 + ALL_FILES.length);
});

test('race: two live candidates; exactly one wins and the crawl uses only it', async () => {
  const first = await startEmulator({ fixture: SEED_DHCP_FIXTURE });
  const second = await startEmulator({ fixture: SEED_DHCP_FIXTURE });
  let raw: RawMetadata;
  try {
    raw = await crawl([first.url, second.url]);
  } finally {
    await first.stop();
    await second.stop();
  }
  const counts = [(await first.requests()).length, (await second.requests()).length];
  const winner = raw.endpoint === first.url ? 0 : 1;
  assert.equal(counts[winner], 2 + ALL_FILES.length);
  assert.ok(counts[1 - winner]! <= 1, `the loser got ${counts[1 - winner]} requests`);
});

test('no candidate at all: ERR_NO_ROUTE', async () => {
  await assert.rejects(crawl([]), rejectsWith('ERR_NO_ROUTE', /no candidate/));
});

test('every candidate refused: ERR_UNREACHABLE naming them all', async () => {
  const one = await closedPort();
  const two = await closedPort();
  await assert.rejects(crawl([one, two], { kind: 'auto' }, 1500), (error: unknown) => {
    rejectsWith('ERR_UNREACHABLE', /no answer from/)(error);
    assert.ok((error as Error).message.includes(one) && (error as Error).message.includes(two));
    return true;
  });
});

/** Serve `fixture` with these fault rules (YAML written to a temp file). */
async function withFaults(fixture: string, rules: object[]): Promise<Emulator> {
  return startEmulator({ fixture, faults: await writeFixture(dump(rules, { lineWidth: -1 })) });
}

test('a listing that does not name meta_data.json: invalid metadata, no file requested', async () => {
  const emulator = await withFaults(SEED_DHCP_FIXTURE, [{ path: '/openstack/2020-10-14', status: 200, body: 'user_data\npassword\n' }]);
  try {
    await assert.rejects(crawl([emulator.url]), rejectsWith('ERR_INVALID_METADATA', /"\/openstack\/2020-10-14": the listing does not name meta_data\.json/));
  } finally {
    await emulator.stop();
  }
  assert.equal((await emulator.requests()).length, 2);
});

test('an HTML page with status 200 for /openstack: bad content', async () => {
  const emulator = await withFaults(SEED_DHCP_FIXTURE, [
    { path: '/openstack', status: 200, body: '<!DOCTYPE html><html><body>2020-10-14</body></html>', content_type: 'text/html' },
  ]);
  try {
    await assert.rejects(crawl([emulator.url]), rejectsWith('ERR_BAD_CONTENT', /"\/openstack": an HTML page where a listing belongs/));
  } finally {
    await emulator.stop();
  }
});

test('an index with only junk: invalid metadata; one with only latest: reads latest', async () => {
  const junk = await withFaults(SEED_DHCP_FIXTURE, [{ path: '/openstack', status: 200, body: 'hello\n1999-01-01\n' }]);
  try {
    await assert.rejects(crawl([junk.url]), rejectsWith('ERR_INVALID_METADATA', /no OpenStack version mdctl knows/));
  } finally {
    await junk.stop();
  }
  const latest = await withFaults(SEED_DHCP_FIXTURE, [{ path: '/openstack', status: 200, body: '2099-01-01\nlatest\n' }]);
  try {
    const raw = await crawl([latest.url]);
    assert.equal(raw.version, 'latest');
    assert.deepEqual(raw.files, ALL_FILES);
  } finally {
    await latest.stop();
  }
});

/** A pass-through front that records the IMDSv2 token header of every request. */
async function recordingFront(target: string): Promise<Front & { seen: [string, string | undefined][] }> {
  const seen: [string, string | undefined][] = [];
  const front = await forwardingFront(target, (request) => {
    const token = request.headers['x-aws-ec2-metadata-token'];
    seen.push([`${request.method} ${request.url}`, Array.isArray(token) ? token[0] : token]);
    return request.headers;
  });
  return { ...front, seen };
}

test('IMDSv2: a token offered by PUT /latest/api/token is sent with every EC2 request', async () => {
  const emulator = await withFaults(EC2_ONLY_FIXTURE, [{ path: '/latest/api/token', method: 'PUT', status: 200, body: 'AQAEAFake-Token==' }]);
  const front = await recordingFront(emulator.url);
  try {
    const raw = await crawl([front.url]);
    assert.equal(raw.kind, 'ec2');
  } finally {
    await front.close();
    await emulator.stop();
  }
  const ec2 = front.seen.filter(([request]) => request.startsWith('GET /latest/'));
  assert.ok(ec2.length > 3);
  for (const [request, token] of ec2) assert.equal(token, 'AQAEAFake-Token==', request);
  assert.equal(front.seen.find(([request]) => request === 'GET /openstack')?.[1], undefined);
});

for (const status of [403, 404, 405, 501]) {
  test(`IMDSv2: PUT /latest/api/token answered ${status}: read without a token`, async () => {
    const emulator = await withFaults(EC2_ONLY_FIXTURE, [{ path: '/latest/api/token', method: 'PUT', status }]);
    const front = await recordingFront(emulator.url);
    try {
      assert.equal((await crawl([front.url])).kind, 'ec2');
    } finally {
      await front.close();
      await emulator.stop();
    }
    assert.ok(front.seen.every(([, token]) => token === undefined));
    assert.equal(front.seen.filter(([request]) => request === 'PUT /latest/api/token').length, 1);
  });
}

test('EC2: unsafe listing entries are skipped, never requested', async () => {
  const emulator = await withFaults(EC2_ONLY_FIXTURE, [
    { path: '/latest/meta-data/', status: 200, body: 'instance-id\n../../etc/passwd\n/abs\n..\nhost name\nhostname\n' },
  ]);
  let raw: RawMetadata;
  try {
    raw = await crawl([emulator.url]);
  } finally {
    await emulator.stop();
  }
  assert.deepEqual(Object.keys(raw.ec2?.['meta-data'] ?? {}), ['hostname', 'instance-id']);
  const paths = (await emulator.requests()).map((entry) => entry.path);
  assert.ok(!paths.some((path) => path.includes('..') || path.includes('abs') || path.includes('host name')), paths.join(', '));
});

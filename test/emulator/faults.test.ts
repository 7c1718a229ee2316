// Fault injection (--faults) through the real process: status, delay, reset, truncate, drip, body, redirect, times.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SEED_DHCP_FIXTURE, httpRequest, startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';

interface Exchange {
  status?: number;
  headers?: NodeJS.Dict<string | string[]>;
  received: Buffer;
  /** The error code the client saw, if the exchange broke. */
  error?: string;
}

/** A GET that reports how far it got instead of failing. */
function exchange(url: string): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const out: Exchange = { received: Buffer.alloc(0) };
    const done = (error?: NodeJS.ErrnoException): void => {
      out.received = Buffer.concat(chunks);
      if (error !== undefined) out.error = error.code ?? error.message;
      resolve(out);
    };
    const req = request(url, { agent: false }, (res) => {
      out.status = res.statusCode;
      out.headers = res.headers;
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', done);
      res.on('end', () => done());
    });
    req.on('error', done);
    req.end();
  });
}

const FAULTS = `
- name: flaky-meta
  path: /openstack/latest/meta_data.json
  times: 2
  status: 503
- path: /openstack/*/vendor_data.json
  body: "<html>not json</html>"
  content_type: text/html
- name: slow
  path: /latest/meta-data/hostname
  delay_ms: 300
- path: /latest/meta-data/instance-id
  reset: before
- path: /latest/meta-data/local-hostname
  reset: middle
- path: /latest/meta-data/public-keys/0/openssh-key
  truncate: 10
- name: drip
  path: /latest/meta-data/ami-id
  drip: 20
- path: /openstack/2013-10-17/**
  redirect: http://203.0.113.9/openstack/2013-10-17/
- path: /openstack/latest/password
  method: POST
  status: 500
  body: boom
`;

describe('faults', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ fixture: SEED_DHCP_FIXTURE, faults: await writeFixture(FAULTS) });
  });
  after(async () => {
    await emulator.stop();
  });

  it('status for the first N requests only, keeping the body, then the real answer', async () => {
    const url = `${emulator.url}/openstack/latest/meta_data.json`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await httpRequest(url)).status);
    assert.deepEqual(statuses, [503, 503, 200]);
    const entries = (await emulator.requests()).filter((e) => e.path === '/openstack/latest/meta_data.json');
    assert.deepEqual(entries.map((e) => e.fault), ['flaky-meta', 'flaky-meta', null]);
  });

  it('replaces body and content type on every matching version (* within a segment), first rule first', async () => {
    for (const version of ['2013-10-17', 'latest']) {
      const res = await httpRequest(`${emulator.url}/openstack/${version}/vendor_data.json`);
      assert.equal(res.status, 200, version);
      assert.equal(res.contentType, 'text/html');
      assert.equal(res.body.toString(), '<html>not json</html>');
    }
    assert.equal((await httpRequest(`${emulator.url}/openstack/latest/vendor_data.json/x`)).status, 404, '* stays in its segment');
  });

  it('delays the answer', async () => {
    assert.equal((await httpRequest(`${emulator.url}/latest/meta-data/hostname`)).body.toString(), 'dvr3-demo12.novalocal');
    const entry = (await emulator.requests()).find((e) => e.fault === 'slow');
    assert.ok(entry !== undefined && entry.duration_ms >= 290, `duration ${entry?.duration_ms}`);
  });

  it('resets the connection before any response', async () => {
    const result = await exchange(`${emulator.url}/latest/meta-data/instance-id`);
    assert.equal(result.status, undefined);
    assert.equal(result.error, 'ECONNRESET');
    const entry = (await emulator.requests()).find((e) => e.path === '/latest/meta-data/instance-id');
    assert.equal(entry?.status, null);
  });

  it('resets the connection in the middle of the body', async () => {
    const result = await exchange(`${emulator.url}/latest/meta-data/local-hostname`);
    assert.equal(result.status, 200);
    assert.ok(result.error !== undefined, 'the client sees the break');
    assert.ok(result.received.length < 'dvr3-demo12.novalocal'.length);
  });

  it('truncates the body after N bytes, Content-Length still the full size', async () => {
    const result = await exchange(`${emulator.url}/latest/meta-data/public-keys/0/openssh-key`);
    assert.equal(result.status, 200);
    assert.ok(Number(result.headers?.['content-length']) > 10);
    assert.equal(result.received.toString(), 'ssh-rsa AA');
    assert.ok(result.error !== undefined, 'the client sees a premature close');
  });

  it('drips the body slowly, complete', async () => {
    const res = await httpRequest(`${emulator.url}/latest/meta-data/ami-id`);
    assert.equal(res.body.toString(), 'ami-00000007');
    const entry = (await emulator.requests()).find((e) => e.fault === 'drip');
    assert.ok(entry !== undefined && entry.duration_ms >= 450, `12 bytes at 20 B/s: duration ${entry?.duration_ms}`);
  });

  it('redirects every path under a prefix (** across segments)', async () => {
    for (const path of ['/openstack/2013-10-17/', '/openstack/2013-10-17/meta_data.json']) {
      const res = await httpRequest(`${emulator.url}${path}`);
      assert.equal(res.status, 302, path);
      assert.equal(res.headers.location, 'http://203.0.113.9/openstack/2013-10-17/');
    }
  });

  it('matches the method', async () => {
    assert.equal((await httpRequest(`${emulator.url}/openstack/latest/password`)).status, 200);
    const post = await httpRequest(`${emulator.url}/openstack/latest/password`, { method: 'POST', body: 'pw' });
    assert.equal(post.status, 500);
    assert.equal(post.body.toString(), 'boom');
    assert.equal((await httpRequest(`${emulator.url}/openstack/latest/password`)).body.toString(), '', 'the faulted POST set nothing');
  });
});

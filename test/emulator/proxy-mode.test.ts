// Proxy mode (--proxy-secret): Neutron's signed headers checked in Nova's order, errors as Nova's WebOb pages.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NOVA_FIXTURES, SEED_STATIC_FIXTURE, httpRequest, startEmulator, type Emulator } from '../helpers/emulator.js';

const SECRET = 'metadata-proxy-secret';
const UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const TENANT = 'feaf6d4b8b8745fb9c955389675ef5d5';
const HTML = 'text/html; charset=UTF-8';

function page(name: string): string {
  return readFileSync(join(NOVA_FIXTURES, 'proxy-mode', name), 'utf8');
}

function sign(id: string, secret = SECRET): string {
  return createHmac('sha256', secret).update(id).digest('hex');
}

describe('proxy mode', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ fixture: SEED_STATIC_FIXTURE, proxySecret: SECRET });
  });
  after(async () => {
    await emulator.stop();
  });

  const get = (path: string, headers: Record<string, string>) => httpRequest(`${emulator.url}${path}`, { headers });

  it('answers / without any header', async () => {
    const res = await get('/', {});
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), readFileSync(join(NOVA_FIXTURES, 'seed-static', 'index.txt'), 'utf8'));
  });

  it('400 without X-Instance-ID, as 400-no-headers.html', async () => {
    const res = await get('/openstack/latest/meta_data.json', { Accept: '*/*' });
    assert.equal(res.status, 400);
    assert.equal(res.contentType, HTML);
    assert.equal(res.body.toString(), page('400-no-headers.html'));
  });

  it('400 without the signature, as 400-missing-signature.html', async () => {
    const res = await get('/openstack/latest/meta_data.json', { Accept: '*/*', 'X-Instance-ID': UUID, 'X-Tenant-ID': TENANT });
    assert.equal(res.status, 400);
    assert.equal(res.contentType, HTML);
    assert.equal(res.body.toString(), page('400-missing-signature.html'));
  });

  it('400 without X-Tenant-ID, checked after the signature header', async () => {
    const res = await get('/openstack', { 'X-Instance-ID': UUID, 'X-Instance-ID-Signature': 'x' });
    assert.equal(res.status, 400);
    assert.equal(res.contentType, 'text/plain; charset=UTF-8');
    assert.equal(res.body.toString(), '400 Bad Request\n\nX-Tenant-ID header is missing from request.\n\n   ');
  });

  it('403 on a wrong signature, as 403-bad-signature.html', async () => {
    for (const signature of [sign(UUID, 'other-secret'), '', sign(UUID).slice(0, 10)]) {
      const res = await get('/openstack/latest/meta_data.json', {
        Accept: '*/*', 'X-Instance-ID': UUID, 'X-Tenant-ID': TENANT, 'X-Instance-ID-Signature': signature,
      });
      assert.equal(res.status, 403, `signature ${JSON.stringify(signature)}`);
      assert.equal(res.contentType, HTML);
      assert.equal(res.body.toString(), page('403-bad-signature.html'));
    }
  });

  it('404 on a wrong tenant, as 404-wrong-tenant.html', async () => {
    const res = await get('/openstack/latest/meta_data.json', {
      Accept: '*/*', 'X-Instance-ID': UUID, 'X-Tenant-ID': 'someone-else', 'X-Instance-ID-Signature': sign(UUID),
    });
    assert.equal(res.status, 404);
    assert.equal(res.contentType, HTML);
    assert.equal(res.body.toString(), page('404-wrong-tenant.html'));
  });

  it('404 on an unknown instance with a valid signature', async () => {
    const other = '00000000-0000-0000-0000-000000000000';
    const res = await get('/openstack/latest/meta_data.json', {
      Accept: '*/*', 'X-Instance-ID': other, 'X-Tenant-ID': TENANT, 'X-Instance-ID-Signature': sign(other),
    });
    assert.equal(res.status, 404);
    assert.equal(res.body.toString(), page('404-wrong-tenant.html'));
  });

  it('serves the instance with the right headers, local-ipv4 from its fixed address', async () => {
    const headers = { 'X-Instance-ID': UUID, 'X-Tenant-ID': TENANT, 'X-Instance-ID-Signature': sign(UUID), 'X-Forwarded-For': '192.168.0.233' };
    const md = await get('/openstack/latest/meta_data.json', headers);
    assert.equal(md.status, 200);
    assert.equal((JSON.parse(md.body.toString()) as { uuid: string }).uuid, UUID);
    const ipv4 = await get('/latest/meta-data/local-ipv4', headers);
    assert.equal(ipv4.body.toString(), '192.168.0.233');
  });

  it('answers errors in plain text without Accept and in JSON when only JSON is accepted', async () => {
    const plain = await get('/openstack', {});
    assert.equal(plain.contentType, 'text/plain; charset=UTF-8');
    assert.equal(plain.body.toString(), '400 Bad Request\n\nX-Instance-ID header is missing from request.\n\n   ');
    const json = await get('/openstack', { Accept: 'application/json' });
    assert.equal(json.contentType, 'application/json');
    assert.deepEqual(JSON.parse(json.body.toString()), {
      message: 'X-Instance-ID header is missing from request.<br /><br />\n\n\n',
      code: '400 Bad Request',
      title: 'Bad Request',
    });
  });

  it('logs the refused requests without an instance', async () => {
    const entries = await emulator.requests();
    const refused = entries.filter((e) => e.status === 403);
    assert.ok(refused.length >= 3);
    assert.ok(refused.every((e) => e.instance === null && e.path === '/openstack/latest/meta_data.json'));
  });
});

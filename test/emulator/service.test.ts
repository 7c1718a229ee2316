// Unit tests: routing (Python normpath), the injected clock, identity and signatures, fixture defaults, fault rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Faults, globToRegExp, loadFaultsText } from '../../src/emulator/faults.js';
import { loadFixtureText } from '../../src/emulator/fixture.js';
import { signInstanceId } from '../../src/emulator/identity.js';
import { parseListenAddress, urlFor } from '../../src/emulator/server.js';
import { MetadataService, normpath, routeTokens, type ServiceRequest } from '../../src/emulator/service.js';

const UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const fixture = loadFixtureText(`instances:\n  - uuid: ${UUID}\n    project_id: p1\n`, 'test.yaml');

function get(service: MetadataService, path: string, headers: Record<string, string> = {}): string {
  const request: ServiceRequest = {
    method: 'GET',
    path,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])),
    remote: '127.0.0.1',
    body: Buffer.alloc(0),
  };
  const answer = service.handle(request);
  return `${answer.status} ${answer.body.toString()}`;
}

describe('routing', () => {
  it('normalises paths as posixpath.normpath', () => {
    assert.equal(normpath('/a/./b//c/'), '/a/b/c');
    assert.equal(normpath('/a/../../b'), '/b');
    assert.equal(normpath('//a'), '//a');
    assert.equal(normpath('///a'), '/a');
    assert.equal(normpath(''), '.');
  });

  it('prefixes ec2 to everything but /openstack and /ec2', () => {
    assert.deepEqual(routeTokens('/'), ['ec2']);
    assert.deepEqual(routeTokens('/latest/meta-data/'), ['ec2', 'latest', 'meta-data']);
    assert.deepEqual(routeTokens('/openstack/latest'), ['openstack', 'latest']);
    assert.deepEqual(routeTokens('/ec2/latest'), ['ec2', 'latest']);
    assert.deepEqual(routeTokens('//latest'), ['ec2'], 'Nova answers the version list here');
  });
});

describe('the clock', () => {
  it('hides versions dated after today in /openstack, yet serves them by name', () => {
    const service = new MetadataService(fixture, { now: () => new Date('2019-05-01T12:00:00Z') });
    assert.equal(get(service, '/openstack'), '200 2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\nlatest');
    assert.match(get(service, '/openstack/2020-10-14/meta_data.json'), /^200 .*"dedicated_cpus": \[\]/);
    const later = new MetadataService(fixture, { now: () => new Date('2025-04-04T00:00:00Z') });
    assert.match(get(later, '/openstack'), /2025-04-04\nlatest$/);
  });
});

describe('identity', () => {
  it('signs instance ids as Neutron does (hex HMAC-SHA256)', () => {
    // Python: hmac.new(b'secret', uuid.encode(), hashlib.sha256).hexdigest()
    assert.equal(signInstanceId('secret', UUID), '86880366c5bc276f0f164c1ede994be4b6f6a15cc958ccce6d8672f265f61a61');
  });

  it('checks proxy headers in Nova order and joins repeated headers as WSGI does', () => {
    const service = new MetadataService(fixture, { proxySecret: 's' });
    const good = { 'X-Instance-ID': UUID, 'X-Tenant-ID': 'p1', 'X-Instance-ID-Signature': signInstanceId('s', UUID) };
    assert.match(get(service, '/openstack/latest/meta_data.json', good), /^200 /);
    assert.match(get(service, '/openstack', { 'X-Tenant-ID': 'p1' }), /^400 .*X-Instance-ID header is missing/s);
    assert.match(get(service, '/openstack', { 'X-Instance-ID': UUID }), /^400 .*X-Instance-ID-Signature header is missing/s);
    const twice: ServiceRequest = {
      method: 'GET', path: '/openstack', remote: '127.0.0.1', body: Buffer.alloc(0),
      headers: { 'x-instance-id': [UUID, UUID], 'x-tenant-id': ['p1'], 'x-instance-id-signature': [signInstanceId('s', UUID)] },
    };
    assert.equal(service.handle(twice).status, 403, 'two X-Instance-ID headers become "a,a", which the signature does not match');
  });
});

describe('fixture defaults', () => {
  it('fills every field but uuid', () => {
    const inst = fixture.instances[0];
    assert.deepEqual(
      { ...inst, userData: inst?.userData === null ? null : 'set' },
      {
        uuid: UUID, name: `server-${UUID}`, hostname: `server-${UUID}`, dhcpDomain: 'novalocal', projectId: 'p1',
        availabilityZone: 'nova', launchIndex: 0, reservationId: 'r-00000000', ec2Id: 1, imageId: 1, instanceType: 'm1.small',
        rootDeviceName: '/dev/vda', blockDeviceMapping: { ami: 'vda', root: '/dev/vda' }, securityGroups: ['default'], keys: [],
        userData: null, password: null, vendorData: {}, vendorData2: { static: {} }, meta: {}, devices: [], dedicatedCpus: [],
        fixedAddresses: [], floatingIp: null, networkData: {},
      },
    );
    assert.equal(fixture.maxVersion, '2025-04-04');
    assert.equal(fixture.defaultInstance, UUID);
    assert.equal(fixture.ec2Only, false);
  });
});

describe('fault rules', () => {
  it('globs: * and ? within a segment, ** across', () => {
    assert.ok(globToRegExp('/openstack/*/meta_data.json').test('/openstack/latest/meta_data.json'));
    assert.ok(!globToRegExp('/openstack/*').test('/openstack/latest/meta_data.json'));
    assert.ok(globToRegExp('/openstack/**').test('/openstack/latest/meta_data.json'));
    assert.ok(globToRegExp('/20??-*/meta-data').test('/2009-04-04/meta-data'));
    assert.ok(!globToRegExp('/a.b').test('/axb'), 'dots are literal');
  });

  it('applies the first matching rule with uses left', () => {
    const faults = new Faults(loadFaultsText('- {path: /a, times: 1, status: 500}\n- {path: "/**", status: 503, method: get}\n', 'f.yaml'));
    assert.equal(faults.take('GET', '/a')?.status, 500);
    assert.equal(faults.take('GET', '/a')?.status, 503);
    assert.equal(faults.take('POST', '/a'), undefined);
  });

  it('refuses unknown keys and bad values, naming the rule', () => {
    assert.throws(() => loadFaultsText('- {path: /a, stauts: 500}\n', 'f.yaml'), { code: 'ERR_USAGE', message: 'f.yaml: [0].stauts: unknown key' });
    assert.throws(() => loadFaultsText('- {path: /a, reset: sometimes}\n', 'f.yaml'), { message: 'f.yaml: [0].reset: must be before, middle, true or false' });
    assert.throws(() => loadFaultsText('- {path: a, status: 500}\n', 'f.yaml'), { message: 'f.yaml: [0].path: "a" must start with /' });
    assert.throws(() => loadFaultsText('- {path: /a, redirect: /b, status: 200}\n', 'f.yaml'), { message: 'f.yaml: [0].status: must be 3xx with redirect' });
    assert.throws(() => loadFaultsText('path: /a\n', 'f.yaml'), { message: 'f.yaml: (top level): must be a list of rules' });
  });
});

describe('listen addresses', () => {
  it('accepts IPv4, IPv6, bracketed and zoned link-local addresses and formats their URLs', () => {
    assert.equal(parseListenAddress('169.254.169.254'), '169.254.169.254');
    assert.equal(parseListenAddress('[::1]'), '::1');
    assert.equal(parseListenAddress('fe80::a9fe:a9fe%veth0'), 'fe80::a9fe:a9fe%veth0');
    assert.equal(parseListenAddress('localhost'), undefined);
    assert.equal(parseListenAddress('fe80::1%a%b'), undefined);
    assert.equal(urlFor('fe80::a9fe:a9fe%veth0', 80), 'http://[fe80::a9fe:a9fe%25veth0]:80');
    assert.equal(urlFor('127.0.0.1', 8775), 'http://127.0.0.1:8775');
  });
});

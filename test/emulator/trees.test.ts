// Unit tests: the version tables, the OpenStack files by version (devices too) and the EC2 tree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ec2Lookup, ec2Print } from '../../src/emulator/ec2.js';
import { loadFixtureText, type Instance } from '../../src/emulator/fixture.js';
import { fileList, metaData, openstackLookup } from '../../src/emulator/openstack.js';
import { OPENSTACK_VERSIONS, openstackVersionList } from '../../src/emulator/versions.js';

const SEED = Buffer.alloc(512, 7);
const ctx = { randomBytes: (size: number) => SEED.subarray(0, size) };

function fixtureOf(yaml: string) {
  return loadFixtureText(yaml, 'test.yaml');
}

const fixture = fixtureOf(`
instances:
  - uuid: u-1
    name: one
    dedicated_cpus: [2, 3]
    devices:
      - {type: nic, mac: "fa:16:3e:00:00:01", bus: pci, address: "0000:00:02.0", tags: [net], vlan: 100, vf_trusted: true}
      - {type: nic, mac: "fa:16:3e:00:00:02"}
      - {type: disk, bus: scsi, address: "0:0:0:1", serial: disk1, tags: [db]}
      - {type: share, share_id: s-1, tag: data}
`);
const instance = fixture.instances[0] as Instance;

describe('versions', () => {
  it('lists versions up to max_version and today, then latest', () => {
    assert.deepEqual(openstackVersionList('2025-04-04', '2026-01-01').slice(-3), ['2020-10-14', '2025-04-04', 'latest']);
    assert.deepEqual(openstackVersionList('2025-04-04', '2025-04-03').slice(-2), ['2020-10-14', 'latest'], 'a future date is hidden');
    assert.deepEqual(openstackVersionList('2016-06-30', '2026-01-01'), ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', 'latest']);
    assert.equal(OPENSTACK_VERSIONS.length, 10);
  });

  it('lists the files each version adds, in Nova order, user_data only when set', () => {
    assert.deepEqual(fileList(instance, '2012-08-10'), ['meta_data.json']);
    assert.deepEqual(fileList(instance, '2016-10-06'), ['meta_data.json', 'password', 'vendor_data.json', 'network_data.json', 'vendor_data2.json']);
  });
});

describe('meta_data.json by version', () => {
  it('adds random_seed, project_id, devices and dedicated_cpus at their versions, in order', () => {
    assert.deepEqual(Object.keys(metaData(instance, '2012-08-10', ctx)), ['uuid', 'hostname', 'name', 'launch_index', 'availability_zone']);
    assert.deepEqual(Object.keys(metaData(instance, '2013-04-04', ctx)).slice(5), ['random_seed']);
    assert.deepEqual(Object.keys(metaData(instance, '2015-10-15', ctx)).slice(5), ['random_seed', 'project_id']);
    assert.deepEqual(Object.keys(metaData(instance, '2016-06-30', ctx)).slice(5), ['random_seed', 'project_id', 'devices']);
    const latest = metaData(instance, '2020-10-14', ctx);
    assert.deepEqual(Object.keys(latest).slice(5), ['random_seed', 'project_id', 'devices', 'dedicated_cpus']);
    assert.deepEqual(latest.dedicated_cpus, [2, 3]);
    assert.equal(latest.random_seed, SEED.toString('base64'));
  });

  it('renders devices as Nova does at each version: vlan from 2017-02-22, vf_trusted from 2018-08-27, shares from 2025-04-04', () => {
    assert.deepEqual(metaData(instance, '2016-06-30', ctx).devices, [
      { type: 'nic', mac: 'fa:16:3e:00:00:01', bus: 'pci', address: '0000:00:02.0', tags: ['net'] },
      { type: 'disk', serial: 'disk1', bus: 'scsi', address: '0:0:0:1', tags: ['db'] },
    ]);
    assert.deepEqual(metaData(instance, '2017-02-22', ctx).devices, [
      { vlan: 100, type: 'nic', mac: 'fa:16:3e:00:00:01', bus: 'pci', address: '0000:00:02.0', tags: ['net'] },
      { type: 'disk', serial: 'disk1', bus: 'scsi', address: '0:0:0:1', tags: ['db'] },
    ]);
    const rocky = metaData(instance, '2018-08-27', ctx).devices as object[];
    assert.deepEqual(rocky[1], { vf_trusted: false, type: 'nic', mac: 'fa:16:3e:00:00:02', bus: 'none', address: 'none' });
    assert.equal(rocky.length, 3, 'an untagged nic shows once vf_trusted does; shares not yet');
    const epoxy = metaData(instance, '2025-04-04', ctx).devices as object[];
    assert.deepEqual(epoxy[3], { type: 'share', share_id: 's-1', tag: 'data', bus: 'none', address: 'none' });
  });

  it('answers network_data.json at every version (unlisted before 2015-10-15), "version" as the listing', () => {
    const old = openstackLookup(fixture, instance, ['2012-08-10', 'network_data.json'], ctx);
    assert.ok(typeof old === 'object' && old.body.toString() === '{}');
    const listing = openstackLookup(fixture, instance, ['2012-08-10', 'version'], ctx);
    assert.ok(typeof listing === 'object' && listing.body.toString() === 'meta_data.json');
    assert.equal(openstackLookup(fixture, instance, ['2012-08-10', 'vendor_data.json'], ctx), undefined);
    assert.equal(openstackLookup(fixture, instance, ['1999-01-01'], ctx), undefined);
  });
});

describe('EC2 tree', () => {
  it('prints directories sorted, subdirectories with "/", public keys by their _name', () => {
    assert.equal(ec2Print({ b: 'x', a: { c: 'y' }, 'public-keys': { '0': { _name: '0=key', 'openssh-key': 'z' } } }).toString(), 'a/\nb\npublic-keys/');
    assert.equal(ec2Print({ '0': { _name: '0=key', 'openssh-key': 'z' }, '1': { _name: '1=other', 'openssh-key': 'w' } }).toString(), '0=key\n1=other');
    assert.equal(ec2Print(['default', 'web']).toString(), 'default\nweb');
  });

  it('adds keys by version and uses the request address when there is no fixed IPv4', () => {
    const listing = (version: string) => ec2Lookup(instance, [version, 'meta-data'], '10.1.2.3')?.body.toString().split('\n');
    assert.deepEqual(listing('1.0'), ['ami-id', 'ami-launch-index', 'ami-manifest-path', 'hostname', 'instance-id', 'local-ipv4', 'reservation-id', 'security-groups']);
    assert.ok(listing('2007-08-29')?.includes('instance-type') && !listing('2007-08-29')?.includes('block-device-mapping/'));
    assert.ok(listing('2008-09-01')?.includes('instance-action'));
    assert.equal(ec2Lookup(instance, ['latest', 'meta-data', 'local-ipv4'], '10.1.2.3')?.body.toString(), '10.1.2.3');
    assert.equal(ec2Lookup(instance, ['2007-01-19', 'meta-data', 'instance-type'], '10.1.2.3'), undefined);
    assert.equal(ec2Lookup(instance, ['2010-01-01', 'meta-data'], '10.1.2.3'), undefined);
  });
});

// normalize() on the genuine Nova responses of both seeds, EC2 trees, edge cases and wrong shapes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MdctlError } from '../../src/core/errors.js';
import type { RawMetadata } from '../../src/core/raw.js';
import { normalize } from '../../src/model/normalize.js';
import { instanceProblem } from '../../src/model/shape.js';
import { ec2Raw, openstackRaw } from './normalize-fixtures.js';

const AT = new Date('2025-05-01T12:00:00.000Z');
const UUID = '795fed3a-431a-4b89-bd80-ffac22196e72';
const MAC = 'fa:16:3e:5b:a1:0c';
const NET = '94927f56-cb4e-4a74-b935-f340fde1c573';

/** A minimal OpenStack raw tree; `meta` and `network` replace the parsed files. */
function raw(meta: unknown, network?: unknown, userData: Buffer | null = null): RawMetadata {
  return {
    kind: 'openstack',
    endpoint: 'http://127.0.0.1:8775',
    version: '2020-10-14',
    files: ['meta_data.json'],
    openstack: { meta_data: meta, network_data: network, user_data: userData },
  };
}

function net(networks: unknown[], links: unknown[] = [{ id: 'l0', type: 'phy', ethernet_mac_address: 'FA:16:3E:00:00:01' }]): unknown {
  return { links, networks, services: [] };
}

describe('normalize: seed-static (genuine Nova 26 responses)', () => {
  const doc = normalize(openstackRaw('seed-static'), AT);

  it('is a complete schema 1 document', () => {
    assert.equal(instanceProblem(doc), null);
    assert.equal(doc.schema, 1);
    assert.deepEqual(doc.source, {
      kind: 'openstack',
      endpoint: 'http://169.254.169.254',
      version: '2020-10-14',
      files: ['meta_data.json', 'network_data.json', 'vendor_data.json', 'vendor_data2.json', 'user_data'],
      fetched_at: '2025-05-01T12:00:00.000Z',
    });
  });

  it('takes identity from meta_data.json', () => {
    assert.equal(doc.instance_id, UUID);
    assert.equal(doc.name, 'dvr3-demo12');
    assert.equal(doc.hostname, 'dvr3-demo12.novalocal');
    assert.equal(doc.availability_zone, 'nova');
    assert.equal(doc.project_id, 'feaf6d4b8b8745fb9c955389675ef5d5');
    assert.equal(doc.launch_index, 0);
    assert.deepEqual(doc.meta, { role: 'demo', owner: 'platform-team' });
  });

  it('takes the keys from `keys`', () => {
    assert.equal(doc.public_keys.length, 1);
    assert.equal(doc.public_keys[0]?.name, 'dvr3-key');
    assert.equal(doc.public_keys[0]?.type, 'ssh');
    assert.match(doc.public_keys[0]?.data ?? '', /^ssh-rsa AAAAB3NzaC1yc2E.* root@wglee-controller-001\n$/);
  });

  it('lists the network with its link MAC and prefix', () => {
    assert.deepEqual(doc.networks, [
      {
        id: 'network0',
        type: 'ipv4',
        link: 'tapc8c3f2f8-5e',
        mac: MAC,
        network_id: NET,
        ip_address: '192.168.0.233',
        netmask: '255.255.255.0',
        prefix: 24,
      },
    ]);
  });

  it('turns every route into CIDR with gateway, link and MAC', () => {
    const via = (destination: string, gateway: string) => ({ destination, gateway, link: 'tapc8c3f2f8-5e', mac: MAC, network_id: NET });
    assert.deepEqual(doc.routes, [
      via('0.0.0.0/0', '192.168.0.1'),
      via('10.20.0.0/16', '192.168.0.254'),
      via('172.31.5.0/24', '192.168.0.253'),
    ]);
  });

  it('collects DNS servers once each, in order', () => {
    assert.deepEqual(doc.dns_nameservers, ['192.168.0.2', '192.168.0.4']);
  });

  it('keeps user_data as text and the raw files', () => {
    assert.equal(doc.user_data, "#!/bin/sh\necho 'hello from dvr3-demo12 user-data' > /tmp/user-data-ran\n");
    assert.equal('user_data_encoding' in doc, false);
    assert.equal(typeof doc.random_seed, 'string');
    assert.equal(doc.openstack?.meta_data.uuid, UUID);
    assert.deepEqual(doc.openstack?.vendor_data, { motd: 'welcome to dvr3' });
    assert.deepEqual(doc.openstack?.vendor_data2, { static: { motd: 'welcome to dvr3' } });
    assert.equal(doc.ec2, null);
  });
});

describe('normalize: seed-dhcp', () => {
  const doc = normalize(openstackRaw('seed-dhcp'), AT);

  it('has no routes for an ipv4_dhcp network (they come from DHCP)', () => {
    assert.deepEqual(doc.routes, []);
    assert.equal(doc.networks?.[0]?.type, 'ipv4_dhcp');
    assert.equal(doc.networks?.[0]?.ip_address, null);
    assert.equal(doc.networks?.[0]?.prefix, null);
    assert.equal(doc.networks?.[0]?.mac, MAC);
  });

  it('reads DNS from the top-level services and has empty meta', () => {
    assert.deepEqual(doc.dns_nameservers, ['192.168.0.2']);
    assert.deepEqual(doc.meta, {});
    assert.equal(doc.hostname, 'dvr3-demo12.novalocal');
  });

  it('ignores routes listed on ipv4_dhcp and ipv6_dhcp networks', () => {
    const route = { network: '10.0.0.0', netmask: '255.0.0.0', gateway: '10.0.0.1' };
    const d = normalize(
      raw({ uuid: UUID }, net([
        { id: 'n4', type: 'ipv4_dhcp', link: 'l0', routes: [route] },
        { id: 'n6', type: 'ipv6_dhcp', link: 'l0', routes: [route] },
      ])),
      AT,
    );
    assert.deepEqual(d.routes, []);
    assert.equal(d.networks?.length, 2);
  });
});

describe('normalize: networks', () => {
  it('converts IPv6 netmasks to prefix lengths and routes to CIDR', () => {
    const d = normalize(
      raw({ uuid: UUID }, net([
        {
          id: 'network1',
          type: 'ipv6',
          link: 'l0',
          ip_address: '2001:db8:1::10',
          netmask: 'ffff:ffff:ffff:ffff::',
          network_id: 'n',
          routes: [
            { network: '::', netmask: '::', gateway: 'fe80::1' },
            { network: '2001:db8:100::', netmask: 'ffff:ffff:ffff:ff00::', gateway: '2001:db8:1::1' },
          ],
        },
      ])),
      AT,
    );
    assert.equal(d.networks?.[0]?.netmask, 'ffff:ffff:ffff:ffff::');
    assert.equal(d.networks?.[0]?.prefix, 64);
    assert.deepEqual(
      d.routes?.map((r) => [r.destination, r.gateway, r.mac]),
      [
        ['::/0', 'fe80::1', 'fa:16:3e:00:00:01'],
        ['2001:db8:100::/56', '2001:db8:1::1', 'fa:16:3e:00:00:01'],
      ],
    );
  });

  it('takes a VLAN or bond MAC from its own field, else from its parent', () => {
    const links = [
      { id: 'eth0', type: 'phy', ethernet_mac_address: 'FA:16:3E:AA:00:01' },
      { id: 'eth1', type: 'phy', ethernet_mac_address: 'fa:16:3e:aa:00:02' },
      { id: 'vlan-own', type: 'vlan', vlan_link: 'eth0', vlan_id: 101, vlan_mac_address: 'FA:16:3E:BB:00:01' },
      { id: 'vlan-bare', type: 'vlan', vlan_link: 'eth0', vlan_id: 102 },
      { id: 'bond0', type: 'bond', bond_links: ['eth1', 'eth0'] },
      { id: 'vlan-on-bond', type: 'vlan', vlan_link: 'bond0', vlan_id: 103 },
      { id: 'loop-a', type: 'vlan', vlan_link: 'loop-b' },
      { id: 'loop-b', type: 'vlan', vlan_link: 'loop-a' },
    ];
    const nets = ['eth0', 'vlan-own', 'vlan-bare', 'bond0', 'vlan-on-bond', 'loop-a', 'missing', null].map((link, i) => ({
      id: `n${i}`,
      type: 'ipv4',
      link,
    }));
    const d = normalize(raw({ uuid: UUID }, net(nets, links)), AT);
    assert.deepEqual(
      d.networks?.map((n) => n.mac),
      ['fa:16:3e:aa:00:01', 'fa:16:3e:bb:00:01', 'fa:16:3e:aa:00:01', 'fa:16:3e:aa:00:02', 'fa:16:3e:aa:00:02', null, null, null],
    );
  });

  it('merges network-level and top-level DNS without duplicates', () => {
    const d = normalize(
      raw({ uuid: UUID }, {
        links: [],
        networks: [
          { id: 'a', type: 'ipv4', services: [{ type: 'dns', address: '10.0.0.2' }, { type: 'ntp', address: '10.0.0.9' }] },
          { id: 'b', type: 'ipv6', services: [{ type: 'dns', address: '2001:db8::53' }, { type: 'dns', address: '10.0.0.2' }] },
        ],
        services: [{ type: 'dns', address: '10.0.0.3' }, { type: 'dns', address: '2001:db8::53' }],
      }),
      AT,
    );
    assert.deepEqual(d.dns_nameservers, ['10.0.0.2', '2001:db8::53', '10.0.0.3']);
  });

  it('is empty without network_data.json', () => {
    const d = normalize(raw({ uuid: UUID }), AT);
    assert.deepEqual([d.networks, d.routes, d.dns_nameservers, d.openstack?.network_data], [[], [], [], null]);
  });

  it('keeps hostile values of the right type as data', () => {
    const d = normalize(
      raw({ uuid: UUID, hostname: 'evil;rm -rf /\nx', name: '../../etc' }, net([
        { id: 'n', type: 'ipv4', link: 'l0', routes: [{ network: '10.0.0.0 dev lo', netmask: 'bogus', gateway: '$(reboot)' }] },
      ])),
      AT,
    );
    assert.equal(d.hostname, 'evil;rm -rf /\nx');
    assert.equal(d.name, '../../etc');
    assert.deepEqual(d.routes?.[0]?.destination, '10.0.0.0 dev lo/bogus');
    assert.equal(d.routes?.[0]?.gateway, '$(reboot)');
    assert.equal(instanceProblem(d), null);
  });
});

describe('normalize: public keys', () => {
  it('falls back to the public_keys object', () => {
    const d = normalize(raw({ uuid: UUID, public_keys: { a: 'ssh-ed25519 AAAA a', b: 'ssh-rsa BBBB b' } }), AT);
    assert.deepEqual(d.public_keys, [
      { name: 'a', type: 'ssh', data: 'ssh-ed25519 AAAA a' },
      { name: 'b', type: 'ssh', data: 'ssh-rsa BBBB b' },
    ]);
  });

  it('prefers keys and defaults a missing type to ssh', () => {
    const d = normalize(raw({ uuid: UUID, public_keys: { old: 'x' }, keys: [{ name: 'k', data: 'ssh-ed25519 AAAA' }, { name: 'x', type: 'x509', data: 'PEM' }] }), AT);
    assert.deepEqual(d.public_keys, [
      { name: 'k', type: 'ssh', data: 'ssh-ed25519 AAAA' },
      { name: 'x', type: 'x509', data: 'PEM' },
    ]);
  });

  it('is empty without either', () => {
    assert.deepEqual(normalize(raw({ uuid: UUID }), AT).public_keys, []);
  });
});

describe('normalize: user_data', () => {
  const ud = (bytes: Buffer | null) => normalize(raw({ uuid: UUID }, undefined, bytes), AT);

  it('keeps valid UTF-8 as text', () => {
    const d = ud(Buffer.from('#cloud-config\nmotd: héllo ✓\n', 'utf8'));
    assert.equal(d.user_data, '#cloud-config\nmotd: héllo ✓\n');
    assert.equal(d.user_data_encoding, undefined);
  });

  it('base64-encodes binary data (gzip, invalid UTF-8, NUL)', () => {
    for (const bytes of [Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]), Buffer.from([0xc3, 0x28]), Buffer.from('a\0b')]) {
      const d = ud(bytes);
      assert.equal(d.user_data_encoding, 'base64');
      assert.deepEqual(Buffer.from(d.user_data ?? '', 'base64'), bytes);
    }
  });

  it('is null when absent and "" when empty', () => {
    assert.equal(ud(null).user_data, null);
    assert.equal(ud(Buffer.alloc(0)).user_data, '');
  });
});

describe('normalize: wrong shapes are rejected naming file and field (exit 5)', () => {
  const cases: [string, RawMetadata, string][] = [
    ['meta_data not an object', raw([1]), 'meta_data.json: (document): not an object (got an array)'],
    ['no uuid', raw({ hostname: 'h' }), 'meta_data.json: uuid: missing'],
    ['empty uuid', raw({ uuid: '' }), 'meta_data.json: uuid: empty'],
    ['blank uuid', raw({ uuid: '  ' }), 'meta_data.json: uuid: empty'],
    ['uuid a number', raw({ uuid: 7 }), 'meta_data.json: uuid: not a string (got a number)'],
    ['public_keys a string', raw({ uuid: UUID, public_keys: 'ssh-rsa AAAA' }), 'meta_data.json: public_keys: not an object (got a string)'],
    ['public_keys value a number', raw({ uuid: UUID, public_keys: { k: 5 } }), 'meta_data.json: public_keys.k: not a string (got a number)'],
    ['keys an object', raw({ uuid: UUID, keys: { name: 'k' } }), 'meta_data.json: keys: not an array (got an object)'],
    ['keys entry a string', raw({ uuid: UUID, keys: ['ssh-rsa'] }), 'meta_data.json: keys[0]: not an object (got a string)'],
    ['key data missing', raw({ uuid: UUID, keys: [{ name: 'k' }] }), 'meta_data.json: keys[0].data: missing'],
    ['hostname a number', raw({ uuid: UUID, hostname: 12 }), 'meta_data.json: hostname: not a string (got a number)'],
    ['hostname an array', raw({ uuid: UUID, hostname: ['a'] }), 'meta_data.json: hostname: not a string (got an array)'],
    ['launch_index a string', raw({ uuid: UUID, launch_index: '0' }), 'meta_data.json: launch_index: not an integer (got a string)'],
    ['meta an array', raw({ uuid: UUID, meta: ['a'] }), 'meta_data.json: meta: not an object (got an array)'],
    ['no tree at all', { kind: 'openstack', endpoint: 'http://x', version: 'latest', files: [] }, 'metadata from http://x: neither an OpenStack nor an EC2 tree was read'],
  ];
  for (const [title, input, message] of cases) {
    it(title, () => {
      assert.throws(
        () => normalize(input, AT),
        (error: unknown) => {
          assert.ok(error instanceof MdctlError);
          assert.equal(error.code, 'ERR_INVALID_METADATA');
          assert.equal(error.exitStatus, 5);
          assert.equal(error.message, message);
          return true;
        },
      );
    });
  }
});

describe('normalize: a network_data.json Nova would not produce is a problem, its part null; the rest is read', () => {
  const cases: [string, RawMetadata, string][] = [
    ['network_data a string', raw({ uuid: UUID }, 'x'), 'network_data.json: (document): not an object (got a string)'],
    ['networks an object', raw({ uuid: UUID }, { networks: {} }), 'network_data.json: networks: not an array (got an object)'],
    ['network without type', raw({ uuid: UUID }, { networks: [{ id: 'n' }] }), 'network_data.json: networks[0].type: missing'],
    [
      'route without gateway',
      raw({ uuid: UUID }, net([{ id: 'n', type: 'ipv4', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0' }] }])),
      'network_data.json: networks[0].routes[0].gateway: missing',
    ],
    [
      'routes a string',
      raw({ uuid: UUID }, net([{ id: 'n', type: 'ipv4', routes: 'default' }])),
      'network_data.json: networks[0].routes: not an array (got a string)',
    ],
    [
      'MAC a number',
      raw({ uuid: UUID }, { links: [{ id: 'l', ethernet_mac_address: 7 }], networks: [] }),
      'network_data.json: links[0].ethernet_mac_address: not a string (got a number)',
    ],
    [
      'DNS service without address',
      raw({ uuid: UUID }, { networks: [], services: [{ type: 'dns' }] }),
      'network_data.json: services[0].address: missing',
    ],
  ];
  for (const [title, input, reason] of cases) {
    it(title, () => {
      const d = normalize(input, AT);
      assert.equal(d.instance_id, UUID);
      assert.deepEqual([d.networks, d.routes, d.dns_nameservers, d.openstack?.network_data], [null, null, null, null]);
      assert.deepEqual(d.problems, [{ file: 'network_data.json', reason }]);
      assert.equal(instanceProblem(d), null);
    });
  }
  it('a link without id is such a problem', () => {
    const d = normalize(raw({ uuid: UUID, hostname: 'h.novalocal' }, { links: [{ ethernet_mac_address: 'fa:16:3e:00:00:01' }], networks: [] }), AT);
    assert.equal(d.hostname, 'h.novalocal');
    assert.deepEqual(d.problems, [{ file: 'network_data.json', reason: 'network_data.json: links[0].id: missing' }]);
  });
  it('vendor data that is not a JSON object is a problem and null; a problem the source recorded is kept', () => {
    const input = raw({ uuid: UUID });
    const d = normalize({ ...input, openstack: { ...input.openstack!, vendor_data: [1], problems: [{ file: 'vendor_data2.json', reason: 'bad JSON' }] } }, AT);
    assert.equal(d.openstack?.vendor_data, null);
    assert.deepEqual(d.problems, [
      { file: 'vendor_data2.json', reason: 'bad JSON' },
      { file: 'vendor_data.json', reason: 'vendor_data.json: not a JSON object (got an array)' },
    ]);
    assert.deepEqual(d.routes, [], 'network_data.json absent: no routes, not unknown routes');
  });
});

describe('normalize: config drive', () => {
  it('reads the same tree with kind configdrive', () => {
    const d = normalize({ ...openstackRaw('seed-static'), kind: 'configdrive', endpoint: '/mnt/config' }, AT);
    assert.equal(d.source.kind, 'configdrive');
    assert.equal(d.source.endpoint, '/mnt/config');
    assert.equal(d.routes?.length, 3);
    assert.equal(instanceProblem(d), null);
  });
});

describe('normalize: EC2 tree', () => {
  it('normalises the seed EC2 meta-data', () => {
    const input = ec2Raw('seed-static');
    const d = normalize(input, AT);
    assert.equal(instanceProblem(d), null);
    assert.equal(d.source.kind, 'ec2');
    assert.equal(d.instance_id, 'i-0000000c');
    assert.equal(d.hostname, 'dvr3-demo12.novalocal');
    assert.equal(d.availability_zone, 'nova');
    assert.equal(d.launch_index, 0);
    assert.equal(d.public_keys.length, 1);
    assert.equal(d.public_keys[0]?.name, 'dvr3-key');
    assert.match(d.public_keys[0]?.data ?? '', /^ssh-rsa AAAA/);
    assert.equal(d.user_data, "#!/bin/sh\necho 'hello from dvr3-demo12 user-data' > /tmp/user-data-ran\n");
    assert.deepEqual(d.ec2, { 'meta-data': input.ec2?.['meta-data'] });
    assert.deepEqual([d.routes, d.networks, d.openstack, d.name], [[], [], null, null]);
  });

  const tree = (metaData: Record<string, unknown>): RawMetadata => ({
    kind: 'ec2',
    endpoint: 'http://127.0.0.1:1',
    version: 'latest',
    files: [],
    ec2: { 'meta-data': metaData, user_data: null },
  });

  it('uses local-hostname when hostname is absent and orders keys by index', () => {
    const d = normalize(
      tree({ 'instance-id': 'i-1', 'local-hostname': 'ip-10-0-0-1', 'public-keys': { '1=b': 'ssh-rsa B', '0=a': { 'openssh-key': 'ssh-rsa A' } } }),
      AT,
    );
    assert.equal(d.hostname, 'ip-10-0-0-1');
    assert.deepEqual(d.public_keys.map((k) => [k.name, k.data]), [['a', 'ssh-rsa A'], ['b', 'ssh-rsa B']]);
    assert.equal(d.user_data, null);
    assert.equal(d.launch_index, null);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['no instance-id', { hostname: 'h' }, 'meta-data: instance-id: missing'],
    ['instance-id a directory', { 'instance-id': { a: '1' } }, 'meta-data: instance-id: not a string (got an object)'],
    ['launch index not a number', { 'instance-id': 'i', 'ami-launch-index': 'x' }, 'meta-data: ami-launch-index: not an integer'],
    ['public-keys a string', { 'instance-id': 'i', 'public-keys': '0=a' }, 'meta-data: public-keys: not an object (got a string)'],
    ['public key entry not indexed', { 'instance-id': 'i', 'public-keys': { a: 'x' } }, 'meta-data: public-keys.a: not an index (expected "<n>=<name>")'],
    ['public key without openssh-key', { 'instance-id': 'i', 'public-keys': { '0=a': {} } }, 'meta-data: public-keys.0=a.openssh-key: missing'],
  ];
  for (const [title, metaData, message] of bad) {
    it(`rejects ${title}`, () => {
      assert.throws(() => normalize(tree(metaData), AT), { code: 'ERR_INVALID_METADATA', message });
    });
  }
});

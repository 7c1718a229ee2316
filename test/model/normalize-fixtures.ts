// Test helper: builds RawMetadata from the genuine Nova response trees in test/fixtures/nova.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RawMetadata } from '../../src/core/raw.js';

/** The genuine Nova responses (a copy of shared/fixtures/nova, produced by Nova 26.2.2). */
export const NOVA = fileURLToPath(new URL('../../../test/fixtures/nova/', import.meta.url));

export type Seed = 'seed-dhcp' | 'seed-static';

function read(seed: Seed, path: string): Buffer {
  return readFileSync(`${NOVA}${seed}/${path}`);
}

function json(seed: Seed, path: string): unknown {
  return JSON.parse(read(seed, path).toString('utf8'));
}

/** What an OpenStack source hands over after reading `openstack/latest` of a seed. */
export function openstackRaw(seed: Seed): RawMetadata {
  const base = 'openstack/latest';
  return {
    kind: 'openstack',
    endpoint: 'http://169.254.169.254',
    version: '2020-10-14',
    files: ['meta_data.json', 'network_data.json', 'vendor_data.json', 'vendor_data2.json', 'user_data'],
    openstack: {
      meta_data: json(seed, `${base}/meta_data.json`),
      network_data: json(seed, `${base}/network_data.json`),
      vendor_data: json(seed, `${base}/vendor_data.json`),
      vendor_data2: json(seed, `${base}/vendor_data2.json`),
      user_data: read(seed, `${base}/user_data`),
    },
  };
}

function text(seed: Seed, path: string): string {
  return read(seed, `latest/meta-data/${path}`).toString('utf8');
}

/** What the EC2 crawler hands over after reading `latest/meta-data` of a seed. */
export function ec2Raw(seed: Seed): RawMetadata {
  const keyName = text(seed, 'public-keys/index.txt').trim();
  return {
    kind: 'ec2',
    endpoint: 'http://169.254.169.254',
    version: 'latest',
    files: ['meta-data/instance-id', 'meta-data/hostname', 'user-data'],
    ec2: {
      'meta-data': {
        'ami-launch-index': text(seed, 'ami-launch-index'),
        hostname: text(seed, 'hostname'),
        'local-hostname': text(seed, 'local-hostname'),
        'instance-id': text(seed, 'instance-id'),
        placement: { 'availability-zone': text(seed, 'placement/availability-zone') },
        'public-keys': { [keyName]: { 'openssh-key': text(seed, 'public-keys/0/openssh-key') } },
      },
      user_data: read(seed, 'latest/user-data'),
    },
  };
}

// Route discovery parsers on captured /proc and /sys contents, and the reader under a temp root.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  analyse,
  ipv6Candidates,
  linkIsUp,
  parseIfInet6,
  parseLinkState,
  parseProcNetRoute,
  readRoutes,
  selectRoute,
  type LinkState,
} from '../../src/net/route.js';
import { hexToIpv4, netmaskToPrefix as maskToPrefix } from '../../src/core/ip.js';

const HEADER =
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT                                                       ';

function table(...lines: string[]): string {
  return `${[HEADER, ...lines].join('\n')}\n`;
}

/** The seed's guest: `route` shows 169.254.169.254 192.168.0.3 255.255.255.255 UGH 100 ens3. */
const SEED = table(
  'ens3\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  'ens3\tFEA9FEA9\t0300A8C0\t0007\t0\t0\t100\tFFFFFFFF\t0\t0\t0',
  'ens3\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
);

const UP: LinkState = { flags: 0x1003, operstate: 'up' };
const DOWN: LinkState = { flags: 0x1002, operstate: 'down' };

describe('/proc/net/route', () => {
  test('hex addresses are little-endian on this host', () => {
    assert.equal(hexToIpv4('FEA9FEA9'), '169.254.169.254');
    assert.equal(hexToIpv4('0300A8C0'), '192.168.0.3');
    assert.equal(hexToIpv4('C0A80003', false), '192.168.0.3');
    assert.equal(hexToIpv4('zz'), null);
  });

  test('masks become prefix lengths; non-contiguous masks are refused', () => {
    assert.equal(maskToPrefix('255.255.255.255'), 32);
    assert.equal(maskToPrefix('255.255.0.0'), 16);
    assert.equal(maskToPrefix('0.0.0.0'), 0);
    assert.equal(maskToPrefix('255.0.255.0'), null);
  });

  test('the seed host route wins over the default route and is reported as option 121', () => {
    const routes = parseProcNetRoute(SEED);
    assert.equal(routes.length, 3);
    assert.deepEqual(selectRoute(routes), {
      destination: '169.254.169.254',
      prefix: 32,
      interface: 'ens3',
      gateway: '192.168.0.3',
      metric: 100,
      optionRoute121: true,
    });
  });

  test('an on-link link-local route has no gateway and is not option 121', () => {
    const routes = parseProcNetRoute(
      table(
        'eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
        'eth0\t0000FEA9\t00000000\t0001\t0\t0\t1002\t0000FFFF\t0\t0\t0',
      ),
    );
    assert.deepEqual(selectRoute(routes), {
      destination: '169.254.0.0',
      prefix: 16,
      interface: 'eth0',
      gateway: null,
      metric: 1002,
      optionRoute121: false,
    });
  });

  test('a default route alone is used, via its gateway', () => {
    const route = selectRoute(parseProcNetRoute(table('eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0')));
    assert.equal(route?.prefix, 0);
    assert.equal(route?.gateway, '192.0.2.1');
    assert.equal(route?.optionRoute121, false);
  });

  test('no route at all, or only routes elsewhere, gives null', () => {
    assert.equal(selectRoute(parseProcNetRoute(table())), null);
    assert.equal(selectRoute(parseProcNetRoute('')), null);
    assert.equal(selectRoute(parseProcNetRoute(table('eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0'))), null);
  });

  test('equal prefixes: the lowest metric wins, whatever the order', () => {
    const routes = parseProcNetRoute(
      table(
        'eth0\t00000000\t0100A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
        'eth1\t00000000\t01000A0A\t0003\t0\t0\t100\t00000000\t0\t0\t0',
        'eth2\t00000000\t0100000A\t0003\t0\t0\t300\t00000000\t0\t0\t0',
      ),
    );
    const route = selectRoute(routes);
    assert.equal(route?.interface, 'eth1');
    assert.equal(route?.gateway, '10.10.0.1');
    assert.equal(route?.metric, 100);
  });

  test('routes without RTF_UP, reject routes and routes over a down interface are skipped', () => {
    const routes = parseProcNetRoute(
      table(
        'eth0\tFEA9FEA9\t0300A8C0\t0006\t0\t0\t0\tFFFFFFFF\t0\t0\t0',
        'eth0\t0000FEA9\t00000000\t0201\t0\t0\t0\t0000FFFF\t0\t0\t0',
        'eth9\t0000FEA9\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
        'eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      ),
    );
    const route = analyse({ routes, inet6: [], links: new Map([['eth0', UP], ['eth9', DOWN]]) }).ipv4;
    assert.equal(route?.prefix, 0);
    assert.equal(route?.interface, 'eth0');
  });

  test('malformed lines are skipped, good ones kept', () => {
    const routes = parseProcNetRoute(
      table('garbage', 'eth0\tXYZ\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0', 'eth0\t0000FEA9\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0',
        'eth1\t0000FEA9\t00000000\t0001\t0\t0\t5\t0000FFFF\t0\t0\t0'),
    );
    assert.deepEqual(routes.map((r) => r.interface), ['eth1']);
  });
});

describe('/proc/net/if_inet6 and /sys/class/net', () => {
  const INET6 = [
    '00000000000000000000000000000001 01 80 10 80       lo',
    'fe80000000000000f8163efffe1e2757 02 40 20 80     eth0',
    '20010db8000000000000000000000010 02 40 00 00     eth0',
    'fe800000000000000000000000000001 03 40 20 80     eth1',
    'fe800000000000000000000000000002 04 40 20 c8     eth2',
    'fe800000000000000000000000000003 05 40 20 80     eth3',
    'fe800000000000000000000000000004 06 40 20 80     tun0',
    'not a line',
  ].join('\n');

  test('addresses are decoded and compressed', () => {
    const entries = parseIfInet6(INET6);
    assert.equal(entries.length, 7);
    assert.deepEqual(entries[0], { address: '::1', ifindex: 1, prefix: 128, scope: 0x10, flags: 0x80, interface: 'lo' });
    assert.equal(entries[1]?.address, 'fe80::f816:3eff:fe1e:2757');
    assert.equal(entries[2]?.address, '2001:db8::10');
    assert.equal(entries[2]?.scope, 0);
  });

  test('one candidate per interface that is up and has a link-local address; lo, down and DAD-failed skipped', () => {
    const links = new Map<string, LinkState>([
      ['lo', { flags: 0x9, operstate: 'unknown' }],
      ['eth0', UP],
      ['eth1', DOWN],
      ['eth2', UP],
      ['eth3', { flags: 0x1003, operstate: 'lowerlayerdown' }],
      ['tun0', { flags: 0x10d1, operstate: 'unknown' }],
    ]);
    assert.deepEqual(ipv6Candidates(parseIfInet6(INET6), links), [
      { address: 'fe80::a9fe:a9fe', zone: 'eth0', interface: 'eth0' },
      { address: 'fe80::a9fe:a9fe', zone: 'tun0', interface: 'tun0' },
    ]);
  });

  test('link state: IFF_UP and an operstate of up or unknown', () => {
    assert.deepEqual(parseLinkState('0x1003\n', 'up\n'), UP);
    assert.equal(parseLinkState('nonsense', 'up'), null);
    assert.equal(linkIsUp(UP), true);
    assert.equal(linkIsUp(DOWN), false);
    assert.equal(linkIsUp({ flags: 0x1002, operstate: 'up' }), false);
    assert.equal(linkIsUp({ flags: 0x1003, operstate: 'dormant' }), false);
  });
});

describe('readRoutes(root)', () => {
  const roots: string[] = [];
  after(async () => {
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });

  async function makeRoot(files: Record<string, string>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'mdctl-route-'));
    roots.push(root);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), text);
    }
    return root;
  }

  test('reads the seed guest: host route on ens3 plus an IPv6 candidate; no source off the live root', async () => {
    const root = await makeRoot({
      'proc/net/route': SEED,
      'proc/net/if_inet6': 'fe80000000000000f8163efffe1e2757 02 40 20 80     ens3\n',
      'sys/class/net/ens3/flags': '0x1003\n',
      'sys/class/net/ens3/operstate': 'up\n',
    });
    assert.deepEqual(await readRoutes(root), {
      ipv4: { destination: '169.254.169.254', prefix: 32, interface: 'ens3', gateway: '192.168.0.3', metric: 100, optionRoute121: true },
      ipv6: [{ address: 'fe80::a9fe:a9fe', zone: 'ens3', interface: 'ens3' }],
    });
  });

  test('missing files mean nothing found, not an error', async () => {
    const root = await makeRoot({});
    assert.deepEqual(await readRoutes(root), { ipv4: null, ipv6: [] });
  });

  test('an interface that sysfs says is down removes its route and its candidate', async () => {
    const root = await makeRoot({
      'proc/net/route': SEED,
      'proc/net/if_inet6': 'fe80000000000000f8163efffe1e2757 02 40 20 80     ens3\n',
      'sys/class/net/ens3/flags': '0x1002\n',
      'sys/class/net/ens3/operstate': 'down\n',
    });
    assert.deepEqual(await readRoutes(root), { ipv4: null, ipv6: [] });
  });
});

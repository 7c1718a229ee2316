// `mdctl serve` where a guest meets it: 169.254.169.254:80 and fe80::a9fe:a9fe%IFACE inside a network namespace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BIN } from '../helpers/cli.js';
import { SEED_DHCP_FIXTURE, startEmulator, type Emulator } from '../helpers/emulator.js';
import { addAddr, cleanup, createNetns, exec, uniqueName, vethPair, wrap } from '../helpers/netns.js';

/** A GET run in the guest namespace (all traffic stays between the two namespaces); prints status and body as JSON. */
const CLIENT = `
const http = require('node:http');
const [host, path] = process.argv.slice(1);
http.get({ host, port: 80, path, agent: false }, (res) => {
  let body = '';
  res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => console.log(JSON.stringify({ status: res.statusCode, body })));
}).on('error', (e) => { console.log(JSON.stringify({ error: e.code })); });
`;

describe('serve inside a network namespace, a guest on a veth link', () => {
  const serviceNs = uniqueName('emus');
  const guestNs = uniqueName('emug');
  const serviceIf = uniqueName('emuh');
  const guestIf = uniqueName('emuc');
  let emulator: Emulator | undefined;

  before(async () => {
    await createNetns(serviceNs);
    await createNetns(guestNs);
    await vethPair({ hostNs: serviceNs, guestNs, hostIf: serviceIf, guestIf });
    await addAddr(serviceNs, serviceIf, '169.254.169.254/16');
    await addAddr(serviceNs, serviceIf, 'fe80::a9fe:a9fe/64');
    await addAddr(guestNs, guestIf, '169.254.10.10/16');
    await addAddr(guestNs, guestIf, 'fe80::10/64');
    emulator = await startEmulator({
      fixture: SEED_DHCP_FIXTURE,
      wrap: wrap(serviceNs),
      port: 80,
      listen: ['169.254.169.254', `fe80::a9fe:a9fe%${serviceIf}`],
    });
  });

  after(async () => {
    await emulator?.stop();
    await cleanup();
  });

  async function get(host: string, path: string): Promise<{ status?: number; body?: string; error?: string }> {
    const { stdout } = await exec(guestNs, [process.execPath, '-e', CLIENT, host, path]);
    return JSON.parse(stdout) as { status?: number; body?: string; error?: string };
  }

  it('prints both URLs, the link-local one with its zone escaped', () => {
    assert.deepEqual(emulator?.urls, ['http://169.254.169.254:80', `http://[fe80::a9fe:a9fe%25${serviceIf}]:80`]);
  });

  it('answers on 169.254.169.254:80', async () => {
    assert.deepEqual(await get('169.254.169.254', '/openstack/latest/meta_data.json').then((r) => r.status), 200);
    assert.deepEqual(await get('169.254.169.254', '/latest/meta-data/hostname'), { status: 200, body: 'dvr3-demo12.novalocal' });
  });

  it('answers on fe80::a9fe:a9fe with the zone', async () => {
    assert.deepEqual(await get(`fe80::a9fe:a9fe%${guestIf}`, '/latest/meta-data/instance-id'), { status: 200, body: 'i-0000000c' });
  });

  it('refuses an address not assigned here: exit 1, one line', async () => {
    const result = await exec(serviceNs, [process.execPath, BIN, 'serve', '--listen', '169.254.169.253', '--port', '80']).then(
      () => undefined,
      (error: Error) => error.message,
    );
    assert.match(result ?? '', /mdctl: serve: cannot listen on 169\.254\.169\.253:80: address not available/);
  });
});

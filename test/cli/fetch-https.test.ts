// An https endpoint: the single file loads node:https and node:tls only when it needs them, and verifies the certificate and its name.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { MULTI_FILE, runCli } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { forwardingFront, type Front } from '../sources/front.js';

const TLS = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
/** A CA made for these tests, and a certificate it signed for localhost and 127.0.0.1 (test/fixtures/tls). */
const CA = join(TLS, 'ca.pem');

describe('fetch from an https endpoint', () => {
  let emulator: Emulator;
  let dir = '';
  const fronts: Front[] = [];
  const tls = { key: readFileSync(join(TLS, 'server-key.pem')), cert: readFileSync(join(TLS, 'server.pem')) };

  /** A TLS front on `host` that passes every request on to the emulator. */
  async function tlsFront(host: string): Promise<string> {
    const front = await forwardingFront(emulator.url, (request) => request.headers, { host, tls });
    fronts.push(front);
    return front.url;
  }

  before(async () => {
    emulator = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'mdctl-https-'));
  });

  after(async () => {
    for (const front of fronts) await front.close();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [build, entry] of [
    ['the single file', undefined],
    ['the multi-file build', MULTI_FILE],
  ] as const) {
    it(`${build}: a certificate from a trusted CA with the endpoint's name is accepted`, async () => {
      const endpoint = await tlsFront('127.0.0.1');
      const cacheDir = join(dir, `ok-${fronts.length}`);
      const result = await runCli(['fetch', '--endpoint', endpoint, '--cache-dir', cacheDir, '--json'], { entry, env: { NODE_EXTRA_CA_CERTS: CA } });
      assert.equal(result.status, 0, result.stderr);
      const document = JSON.parse(result.stdout) as { hostname: string; source: { endpoint: string } };
      assert.equal(document.hostname, 'dvr3-demo12.novalocal');
      assert.equal(document.source.endpoint, endpoint);
      assert.match(await readFile(join(cacheDir, 'instance.json'), 'utf8'), /dvr3-demo12/);
    });

    it(`${build}: a certificate for another name is refused, and no cache is written`, async () => {
      // 127.0.0.2 is loopback too, but the certificate names only localhost and 127.0.0.1.
      const endpoint = await tlsFront('127.0.0.2');
      const cacheDir = join(dir, `wrong-name-${fronts.length}`);
      const result = await runCli(['fetch', '--endpoint', endpoint, '--cache-dir', cacheDir, '--timeout', '10'], { entry, env: { NODE_EXTRA_CA_CERTS: CA } });
      assert.equal(result.status, 5, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^mdctl: GET \/openstack: the TLS certificate of "https:\/\/127\.0\.0\.2:\d+" was refused: .* \(ERR_TLS_CERT_ALTNAME_INVALID\) \(.*NODE_EXTRA_CA_CERTS\)\n$/);
      await assert.rejects(readFile(join(cacheDir, 'instance.json')), { code: 'ENOENT' });
    });

    it(`${build}: a certificate from a CA it does not trust is refused`, async () => {
      const endpoint = await tlsFront('127.0.0.1');
      const result = await runCli(['fetch', '--endpoint', endpoint, '--cache-dir', join(dir, `untrusted-${fronts.length}`), '--timeout', '10'], { entry });
      assert.equal(result.status, 5, result.stderr);
      assert.match(result.stderr, /^mdctl: GET \/openstack: the TLS certificate of "https:\/\/127\.0\.0\.1:\d+" was refused: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    });
  }
});

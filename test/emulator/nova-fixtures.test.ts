// Compares what `mdctl serve` answers with genuine Nova responses, path by path from each INDEX.tsv.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  NOVA_FIXTURES, SEED_DHCP_FIXTURE, SEED_STATIC_FIXTURE, httpRequest, startEmulator, type Emulator,
} from '../helpers/emulator.js';

interface IndexRow {
  path: string;
  status: number;
  contentType: string;
  file: string;
}

function readIndex(dir: string): IndexRow[] {
  return readFileSync(join(dir, 'INDEX.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [path, status, contentType, file] = line.split('\t') as [string, string, string, string];
      return { path, status: Number(status), contentType, file };
    });
}

/** random_seed must be fresh base64 of 512 bytes; then the whole text must equal Nova's, byte for byte. */
function assertSameJson(path: string, actual: string, expected: string): void {
  const want = JSON.parse(expected) as Record<string, unknown>;
  const got = JSON.parse(actual) as Record<string, unknown>;
  let text = actual;
  if (typeof want.random_seed === 'string') {
    assert.equal(typeof got.random_seed, 'string', `${path}: random_seed`);
    const seed = got.random_seed as string;
    assert.equal(Buffer.from(seed, 'base64').length, 512, `${path}: random_seed is not 512 bytes`);
    assert.equal(Buffer.from(seed, 'base64').toString('base64'), seed, `${path}: random_seed is not base64`);
    assert.notEqual(seed, want.random_seed, `${path}: random_seed is not fresh`);
    text = actual.replace(seed, want.random_seed);
    delete want.random_seed;
    delete got.random_seed;
  }
  assert.deepEqual(got, want, `${path}: JSON differs`);
  assert.equal(text, expected, `${path}: JSON text (key order, spacing) differs`);
}

for (const [name, fixture] of [
  ['seed-dhcp', SEED_DHCP_FIXTURE],
  ['seed-static', SEED_STATIC_FIXTURE],
] as const) {
  describe(`emulator answers as Nova: ${name}`, () => {
    const dir = join(NOVA_FIXTURES, name);
    const rows = readIndex(dir);
    let emulator: Emulator;
    before(async () => {
      emulator = await startEmulator({ fixture });
    });
    after(async () => {
      await emulator.stop();
    });

    it('covers every path of INDEX.tsv', () => {
      assert.ok(rows.length > 200, `only ${rows.length} rows`);
    });

    for (const row of rows) {
      it(`${row.path} -> ${row.status}`, async () => {
        const expected = readFileSync(join(dir, row.file));
        const res = await httpRequest(`${emulator.url}${row.path}`);
        assert.equal(res.status, row.status, 'status');
        assert.equal(res.contentType, row.contentType, 'content type');
        if (row.contentType === 'application/json') assertSameJson(row.path, res.body.toString(), expected.toString());
        else assert.equal(res.body.toString('latin1'), expected.toString('latin1'), 'body');
      });
    }

    it('answers random_seed anew on every request', async () => {
      const seeds = await Promise.all(
        [1, 2].map(async () => {
          const res = await httpRequest(`${emulator.url}/openstack/latest/meta_data.json`);
          return (JSON.parse(res.body.toString()) as { random_seed: string }).random_seed;
        }),
      );
      assert.notEqual(seeds[0], seeds[1]);
    });
  });
}

// Per-instance state against hostile instance ids: path tricks, NUL, huge ids never leave --state-dir.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { scriptsDir } from '../../src/appliers/scripts.js';
import { readState, stateFileName, writeState } from '../../src/appliers/state.js';
import { makeRoot, removeRoots } from './root.js';

after(removeRoots);

const HOSTILE = ['../../etc/x', '/', '..', '.', 'a/b', 'x\u0000y', 'x'.repeat(10_240), '-rf', 'héllo', ''];

test('hostile instance ids become plain file names inside the state dir, distinct per id, and round-trip', async () => {
  const dir = makeRoot();
  const names = HOSTILE.map(stateFileName);
  assert.equal(new Set(names).size, HOSTILE.length);
  for (const name of names) {
    assert.match(name, /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.json$|^[0-9a-f]{64}\.json$/);
    assert.ok(name.length <= 255);
  }
  for (const id of HOSTILE) {
    await writeState(dir, id, { hostname: { id } });
    assert.deepEqual((await readState(dir, id)).appliers, { hostname: { id } });
    assert.ok(scriptsDir(dir, id).startsWith(join(dir, 'instances') + '/'));
    assert.doesNotMatch(scriptsDir(dir, id).slice(dir.length), /\/\.\.?\//);
  }
  assert.deepEqual(readdirSync(dir), ['instances']);
  assert.equal(readdirSync(join(dir, 'instances')).length, HOSTILE.length);
});

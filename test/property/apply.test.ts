// Properties of applying a plan on a temp root: twice equals once, the second plan is all noops, and removing the keys gives back the original file.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { builtinAppliers } from '../../src/appliers/registry.js';
import { applyPlanned, planAppliers, rememberedState } from '../../src/appliers/runner.js';
import type { Instance } from '../../src/core/instance.js';
import { doc } from '../appliers/root.js';
import { KEYS } from '../appliers/keys.js';
import { RUNS, hostileText, typedAsync } from './typed.js';

// On tmpfs when there is one: these properties are about bytes, not durability, and fsync on a disk costs ~10 ms a file.
const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'mdctl-property-apply-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

const appliers = builtinAppliers({
  hostname: { current: () => 'image-host', set: () => Promise.reject(new Error('not live: the running hostname is never set')) },
  routes: {
    links: () => Promise.reject(new Error('not live: no route table')),
    list: () => Promise.reject(new Error('not live: no route table')),
    batch: () => Promise.reject(new Error('not live: no route table')),
  },
});
const options = (root: string) => ({ root, live: false, dryRun: false, user: undefined });

/** Contents of every entry under dir (mode, owner, bytes), without times. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string, rel: string): void => {
    const stats = lstatSync(path);
    const head = `${stats.mode.toString(8)} ${stats.uid}:${stats.gid}`;
    if (stats.isDirectory()) {
      out[rel] = `${head} dir`;
      for (const name of readdirSync(path).sort()) walk(join(path, name), `${rel}/${name}`);
    } else out[rel] = `${head} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  };
  walk(dir, '.');
  return out;
}

interface Image {
  hosts: string | null;
  keysFile: string | null;
  hostname: string | null;
}

function makeRoot(image: Image): string {
  const root = join(work, `root-${counter++}`);
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  chownSync(join(root, 'home/alice'), 1000, 1000);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  if (image.hosts !== null) writeFileSync(join(root, 'etc/hosts'), image.hosts);
  if (image.hostname !== null) writeFileSync(join(root, 'etc/hostname'), image.hostname);
  if (image.keysFile !== null) {
    mkdirSync(join(root, 'home/alice/.ssh'), { mode: 0o700 });
    writeFileSync(join(root, 'home/alice/.ssh/authorized_keys'), image.keysFile, { mode: 0o600 });
  }
  return root;
}

/** Runs every applier once: plan, apply, remember; returns the new memory and the plan's actions. */
async function applyOnce(root: string, document: Instance, previous: Record<string, unknown>): Promise<{ memory: Record<string, unknown>; actions: string[] }> {
  const runs = await planAppliers(appliers, document, options(root), previous);
  await applyPlanned(runs);
  const actions = runs.flatMap((run) => run.changes.map((change) => (change.skipped === undefined ? change.action : 'skipped')));
  return { memory: rememberedState(runs, previous), actions };
}

const line = hostileText.map((text) => text.replace(/\n/g, ' ')).filter((text) => !text.includes('mdctl managed keys') && !/#\s*managed by mdctl/.test(text));
const textFile = fc.option(fc.array(line, { maxLength: 5 }).map((lines) => lines.join('\n')), { nil: null });
const image = fc.record({ hosts: textFile, keysFile: textFile, hostname: textFile });

const keyEntry = fc.record({
  name: fc.string({ maxLength: 8 }),
  type: fc.constant('ssh'),
  data: fc.oneof(fc.constantFrom(...Object.values(KEYS)), fc.array(fc.constantFrom(...Object.values(KEYS)), { minLength: 1, maxLength: 3 }).map((keys) => keys.join('\n')), hostileText),
});
const hostname = fc.option(fc.oneof(fc.domain(), hostileText, fc.stringMatching(/^[A-Za-z0-9_-]{1,70}(\.[a-z]{1,8})?$/)), { nil: null });
const userData = fc.option(
  fc.record({ path: fc.stringMatching(/^\/srv\/[a-z]{1,8}$/), content: fc.string({ maxLength: 40 }), name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/) }).map(
    (u) => `#cloud-config\nhostname: ${u.name}\nwrite_files:\n  - path: ${u.path}\n    content: ${JSON.stringify(u.content)}\n`,
  ),
  { nil: null },
);
const instance = fc.record({ hostname, keys: fc.array(keyEntry, { maxLength: 3 }), userData }).map((g) => doc({ hostname: g.hostname, public_keys: g.keys, user_data: g.userData }));

test('applying a plan twice equals applying it once; the second plan is all noops (or skipped as not live)', async () => {
  await fc.assert(
    fc.asyncProperty(image, instance, async (img, document) => {
      const root = makeRoot(img);
      try {
        const first = await typedAsync(() => applyOnce(root, document, {}));
        assert.ok(first !== undefined);
        const once = contents(root);
        const second = await applyOnce(root, document, first.memory);
        assert.deepEqual(contents(root), once);
        assert.deepEqual(second.actions.filter((action) => action !== 'noop' && action !== 'skipped'), []);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }),
    RUNS,
  );
});

test('keys that leave the metadata leave the file: authorized_keys goes back to its original bytes', async () => {
  await fc.assert(
    fc.asyncProperty(textFile.filter((text) => text !== null), fc.array(keyEntry, { minLength: 1, maxLength: 3 }), async (original, keys) => {
      const root = makeRoot({ hosts: null, hostname: null, keysFile: original });
      const file = join(root, 'home/alice/.ssh/authorized_keys');
      try {
        const first = await applyOnce(root, doc({ hostname: null, public_keys: keys }), {});
        await applyOnce(root, doc({ hostname: null, public_keys: [] }), first.memory);
        assert.ok(existsSync(file));
        assert.ok(readFileSync(file).equals(Buffer.from(original ?? '')));
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }),
    RUNS,
  );
});

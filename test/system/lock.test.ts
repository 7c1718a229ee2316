// The run lock: exclusive while held, waits then gives up with ERR_LOCKED, takes over stale locks.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acquireLock } from '../../src/system/lock.js';
import { processStartTime } from '../../src/system/process.js';
import { makeRoot, removeRoots } from '../appliers/root.js';

after(removeRoots);

const instant = { sleep: () => Promise.resolve(), bootId: () => Promise.resolve('boot-a') };

test('a held lock makes the second caller wait, then give up with ERR_LOCKED', async () => {
  const path = join(makeRoot(), 'lock');
  const release = await acquireLock(path, { waitMs: 0, ...instant });
  let clock = 0;
  let waited = 0;
  await assert.rejects(
    acquireLock(path, { waitMs: 1000, now: () => clock, sleep: async (ms) => void ((clock += ms), (waited += 1)), bootId: instant.bootId }),
    (error: Error & { code?: string }) => error.code === 'ERR_LOCKED' && error.message.includes(`pid ${process.pid}`),
  );
  assert.ok(waited >= 10);
  await release();
  assert.equal(existsSync(path), false);
  const again = await acquireLock(path, { waitMs: 0, ...instant });
  await again();
});

test('the waiter gets the lock once the holder releases it', async () => {
  const path = join(makeRoot(), 'lock');
  const release = await acquireLock(path, { waitMs: 0, ...instant });
  let polls = 0;
  const second = acquireLock(path, {
    waitMs: 60_000,
    bootId: instant.bootId,
    sleep: async () => {
      polls += 1;
      if (polls === 3) await release();
    },
  });
  const releaseSecond = await second;
  assert.equal(polls, 3);
  await releaseSecond();
});

test('locks of a dead process, of an earlier boot, or unreadable are stale and taken over', async () => {
  const dir = makeRoot();
  for (const content of ['2147483646 boot-a\n', `${process.pid} boot-earlier\n`, 'garbage']) {
    const path = join(dir, 'lock');
    writeFileSync(path, content);
    const release = await acquireLock(path, { waitMs: 0, ...instant });
    await release();
    assert.equal(existsSync(path), false, content);
  }
});

test('a break lock left by a run that died while taking over is removed; one held by a live run is waited for', async () => {
  const dir = makeRoot();
  const path = join(dir, 'lock');
  writeFileSync(path, '2147483646 boot-a\n');
  writeFileSync(`${path}.break`, '2147483645 boot-a\n');
  const release = await acquireLock(path, { waitMs: 0, ...instant });
  await release();
  assert.deepEqual(readdirSync(dir), []);
  writeFileSync(path, '2147483646 boot-a\n');
  writeFileSync(`${path}.break`, `${process.pid} boot-a\n`);
  await assert.rejects(acquireLock(path, { waitMs: 0, ...instant }), { code: 'ERR_LOCKED' });
  assert.equal(readFileSync(path, 'utf8'), '2147483646 boot-a\n');
});

test('runs that find the same stale lock at once: exactly one takes it, the others see it held', async () => {
  const path = join(makeRoot(), 'lock');
  writeFileSync(path, '2147483646 boot-a\n');
  const tries = await Promise.allSettled(Array.from({ length: 6 }, () => acquireLock(path, { waitMs: 0, ...instant })));
  const won = tries.filter((t) => t.status === 'fulfilled');
  assert.equal(won.length, 1);
  for (const t of tries) if (t.status === 'rejected') assert.equal((t.reason as { code?: string }).code, 'ERR_LOCKED');
  assert.match(readFileSync(path, 'utf8'), new RegExp(`^${process.pid} boot-a \\d+\n$`));
  await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
  assert.deepEqual(readdirSync(dirname(path)), []);
});

// Each child takes the lock, appends "in" and "out" around a short hold, and releases it.
const child = `
import { appendFileSync } from 'node:fs';
const { acquireLock } = await import(process.argv[1]);
const [path, log] = process.argv.slice(2);
const release = await acquireLock(path, { waitMs: 30_000, pollMs: 5 });
appendFileSync(log, 'in ' + process.pid + '\\n');
await new Promise((resolve) => setTimeout(resolve, 10));
appendFileSync(log, 'out ' + process.pid + '\\n');
await release();
`;

test('separate processes racing on a stale lock hold it one at a time, and all get it', async () => {
  const dir = makeRoot();
  const path = join(dir, 'lock');
  const log = join(dir, 'log');
  writeFileSync(path, '2147483646 boot-of-a-dead-run\n');
  const module = fileURLToPath(new URL('../../src/system/lock.js', import.meta.url));
  const codes = await Promise.all(
    Array.from({ length: 8 }, () => {
      const proc = spawn(process.execPath, ['--input-type=module', '-e', child, module, path, log], { stdio: 'inherit' });
      return new Promise<number | null>((resolve) => proc.on('exit', resolve));
    }),
  );
  assert.deepEqual(codes, Array(8).fill(0));
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines.length, 16);
  for (let i = 0; i < lines.length; i += 2) {
    const pid = lines[i]?.split(' ')[1];
    assert.deepEqual([lines[i], lines[i + 1]], [`in ${pid}`, `out ${pid}`], 'a second process entered while the lock was held');
  }
  assert.deepEqual(readdirSync(dir).sort(), ['log']);
});

test('a lock whose pid was reused by a process that started at another time is stale and taken over', async () => {
  const path = join(makeRoot(), 'lock');
  const started = processStartTime(process.pid);
  assert.match(started ?? '', /^\d+$/);
  // This very process holds the pid, alive, but it did not start at tick 1: the pid was reused.
  writeFileSync(path, `${process.pid} boot-a 1\n`);
  const release = await acquireLock(path, { waitMs: 0, ...instant });
  assert.equal(readFileSync(path, 'utf8'), `${process.pid} boot-a ${started}\n`);
  await release();
  assert.equal(existsSync(path), false);
});

test('a lock of a live holder with the same start time, or of an older version without one, is held', async () => {
  const path = join(makeRoot(), 'lock');
  for (const content of [`${process.pid} boot-a ${processStartTime(process.pid)}\n`, `${process.pid} boot-a\n`]) {
    writeFileSync(path, content);
    await assert.rejects(acquireLock(path, { waitMs: 0, ...instant }), { code: 'ERR_LOCKED' });
    assert.equal(readFileSync(path, 'utf8'), content);
  }
});

test('the start time is field 22 of /proc/<pid>/stat, even when the command name holds ") "', () => {
  const proc = makeRoot();
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  mkdirSync(join(proc, '42'));
  writeFileSync(join(proc, '42', 'stat'), `42 (a) b (c) ${fields.join(' ')}\n`);
  assert.equal(processStartTime(42, proc), '22');
  assert.equal(processStartTime(43, proc), null);
});

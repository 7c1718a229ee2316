// An exclusive lock file so two runs never interleave; stale locks (dead process, reused pid, earlier boot) are taken over.
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { MdctlError, quote } from '../core/errors.js';
import { readBootId } from './boot-id.js';
import { processAlive, processStartTime } from './process.js';

interface LockOptions {
  /** How long to wait for another holder before giving up. */
  waitMs: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** This boot's id; a lock written during another boot is stale. */
  bootId?: () => Promise<string>;
  /** A process's start time (default: /proc/<pid>/stat field 22); a holder whose pid now has another is gone. */
  startTime?: (pid: number) => string | null;
}

/** A lock's content: "<pid> <boot id> <start time>" (the start time is missing in locks of older versions). */
interface Holder {
  pid: number;
  boot: string;
  start: string | undefined;
  content: string;
}

export type Release = () => Promise<void>;

async function currentBootId(): Promise<string> {
  return (await readBootId()) ?? 'unknown';
}

async function holder(path: string): Promise<Holder | null> {
  const content = await readFile(path, 'utf8').catch(() => null);
  if (content === null) return null;
  const [pidText, boot, start] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isSafeInteger(pid) && pid > 0 && boot !== undefined ? { pid, boot, start, content } : { pid: 0, boot: '', start: undefined, content };
}

let attempt = 0;

/**
 * Creates the lock with its content in one step (a written temp file hard-linked into place), so
 * nobody ever reads a half-written lock and takes it for stale. Resolves false when it exists.
 */
async function create(path: string, content: string): Promise<boolean> {
  attempt += 1;
  const temp = `${path}.new-${process.pid}-${attempt}`;
  try {
    await writeFile(temp, content, { mode: 0o644 });
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new MdctlError('ERR_IO', `cannot create lock ${quote(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Stale: written during another boot, its process is gone, or its pid now names a process that started at another time. */
function isStale(other: Holder, boot: string, startTime: (pid: number) => string | null): boolean {
  if (other.boot !== boot || !processAlive(other.pid)) return true;
  if (other.start === undefined) return false;
  const now = startTime(other.pid);
  return now !== null && now !== other.start;
}

/**
 * Removes a lock judged stale. Only the holder of the break lock (`<path>.break`) may remove
 * it, and it rereads the lock first: runs that judge the same lock stale at once never remove
 * the fresh lock one of them has taken meanwhile. A break lock left by a dead run is removed.
 * Resolves false when a live run holds the break lock: it is taking the lock, so wait.
 */
async function takeOver(path: string, stale: string, content: string, boot: string, startTime: (pid: number) => string | null): Promise<boolean> {
  const breaker = `${path}.break`;
  if (!(await create(breaker, content))) {
    const other = await holder(breaker);
    if (other === null || !isStale(other, boot, startTime)) return false;
    await unlink(breaker).catch(() => undefined);
    return true;
  }
  try {
    if ((await readFile(path, 'utf8').catch(() => null)) === stale) await unlink(path).catch(() => undefined);
    return true;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/** Takes the lock at `path` (its directory must exist); resolves to the release function. */
export async function acquireLock(path: string, options: LockOptions): Promise<Release> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const boot = await (options.bootId ?? currentBootId)();
  const startTime = options.startTime ?? ((pid: number) => processStartTime(pid));
  const content = `${process.pid} ${boot} ${startTime(process.pid) ?? 'unknown'}\n`;
  const giveUpAt = now() + options.waitMs;
  for (;;) {
    if (await create(path, content)) {
      return async () => {
        if ((await readFile(path, 'utf8').catch(() => '')) === content) await unlink(path).catch(() => undefined);
      };
    }
    const other = await holder(path);
    if (other !== null && isStale(other, boot, startTime) && (await takeOver(path, other.content, content, boot, startTime))) continue;
    if (now() >= giveUpAt) {
      throw new MdctlError('ERR_LOCKED', `cannot lock ${quote(path)}: another mdctl (pid ${other?.pid ?? '?'}) is running`, {
        hint: 'wait for it to finish; nothing was changed',
      });
    }
    await sleep(options.pollMs ?? 100);
  }
}

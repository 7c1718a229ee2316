// An exclusive lock file so two runs never interleave; stale locks (dead process, earlier boot) are taken over.
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { MdctlError, quote } from '../core/errors.js';

export interface LockOptions {
  /** How long to wait for another holder before giving up. */
  waitMs: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** This boot's id; a lock written during another boot is stale. */
  bootId?: () => Promise<string>;
}

export type Release = () => Promise<void>;

async function currentBootId(): Promise<string> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch {
    return 'unknown';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holder(path: string): Promise<{ pid: number; boot: string } | null> {
  const content = await readFile(path, 'utf8').catch(() => null);
  if (content === null) return null;
  const [pidText, boot] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isSafeInteger(pid) && pid > 0 && boot !== undefined ? { pid, boot } : { pid: 0, boot: '' };
}

/** Takes the lock at `path` (its directory must exist); resolves to the release function. */
export async function acquireLock(path: string, options: LockOptions): Promise<Release> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const boot = await (options.bootId ?? currentBootId)();
  const content = `${process.pid} ${boot}\n`;
  const giveUpAt = now() + options.waitMs;
  for (;;) {
    try {
      await writeFile(path, content, { flag: 'wx', mode: 0o644 });
      return async () => {
        if ((await readFile(path, 'utf8').catch(() => '')) === content) await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new MdctlError('ERR_IO', `cannot create lock ${quote(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
      }
    }
    const other = await holder(path);
    if (other !== null && (other.boot !== boot || !alive(other.pid))) {
      const aside = `${path}.stale-${process.pid}`;
      await rename(path, aside).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      continue;
    }
    if (now() >= giveUpAt) {
      throw new MdctlError('ERR_LOCKED', `cannot lock ${quote(path)}: another mdctl (pid ${other?.pid ?? '?'}) is running`, {
        hint: 'wait for it to finish; nothing was changed',
      });
    }
    await sleep(options.pollMs ?? 100);
  }
}

// `status --wait`: read the report until this machine boot's run of mdctl is over, woken by file events in the state dir, with a slow re-check as a fallback.
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { MdctlError } from '../core/errors.js';
import { processAlive } from '../system/process.js';
import { readBootId, readReport } from './report.js';
import { viewOf, type BootView } from './view.js';

/** The re-check when no file event comes: a run that was killed writes nothing, and a watch can miss events. */
const RECHECK_MS = 5_000;

interface StatusOptions {
  stateDir: string;
  bootIdFile?: string;
  /** Whether a process runs (injected for tests). */
  alive?: (pid: number) => boolean;
}

/**
 * The boot's state now. A run whose process is gone is looked up again after that was seen: its
 * last write comes before its exit, so only a run that died without one counts as killed.
 */
export async function readStatus(options: StatusOptions): Promise<BootView> {
  const alive = options.alive ?? processAlive;
  const [first, bootId] = await Promise.all([readReport(options.stateDir), readBootId(options.bootIdFile)]);
  const running = Object.values(first?.stages ?? {}).filter((run) => run.state === 'running');
  const gone = new Set(running.map((run) => run.pid).filter((pid) => !alive(pid)));
  const report = gone.size === 0 ? first : await readReport(options.stateDir);
  return viewOf(report, bootId, (pid) => !gone.has(pid));
}

interface WaitOptions extends StatusOptions {
  /** Give up after this many milliseconds (ERR_TIMEOUT, exit 4); none by default. */
  timeoutMs?: number;
  recheckMs?: number;
  /** Told once when the boot is not over at the first look. */
  onWaiting?: (view: BootView) => void;
}

/**
 * Wakes whoever waits when something changes in the state dir (or, while the state dir does not
 * exist yet, in its parent). Events that come while nobody waits are kept for the next wait.
 */
class DirectoryEvents {
  private watcher: FSWatcher | null = null;
  private watching: string | null = null;
  private pending = false;
  private wake: (() => void) | null = null;

  constructor(private readonly dir: string) {
    this.arm();
  }

  /** Watches the state dir, or its parent until the state dir exists. */
  arm(): void {
    if (this.watching === this.dir) return;
    for (const target of [this.dir, dirname(this.dir)]) {
      if (target === this.watching) return;
      try {
        const watcher = watch(target, { persistent: true }, () => this.notify());
        watcher.on('error', () => this.notify());
        this.close();
        this.watcher = watcher;
        this.watching = target;
        // What changed before this watch began is looked at once more.
        this.pending = true;
        return;
      } catch {
        continue;
      }
    }
  }

  /** Resolves at the next event (at once if one came since the last wait) or after `ms`. */
  async next(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.wake = null;
    this.pending = false;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    this.watching = null;
  }

  private notify(): void {
    this.pending = true;
    this.wake?.();
  }
}

/** Waits until this machine boot's run of mdctl is over and returns its view; ERR_TIMEOUT when `timeoutMs` passes first. */
export async function waitForBoot(options: WaitOptions): Promise<BootView> {
  const { timeoutMs } = options;
  const giveUpAt = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  const events = new DirectoryEvents(options.stateDir);
  let told = false;
  try {
    for (;;) {
      const view = await readStatus(options);
      if (view.over) return view;
      if (!told) options.onWaiting?.(view);
      told = true;
      const left = giveUpAt - Date.now();
      if (left <= 0) {
        throw new MdctlError('ERR_TIMEOUT', `status --wait: this boot's run of mdctl is not over after ${(timeoutMs ?? 0) / 1000} s (${view.summary})`, {
          hint: 'it may still be waiting for the metadata service; see `mdctl status --long`',
        });
      }
      await events.next(Math.min(options.recheckMs ?? RECHECK_MS, left));
      events.arm();
    }
  } finally {
    events.close();
  }
}

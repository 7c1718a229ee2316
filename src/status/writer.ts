// Writes the boot report as the run goes: an atomic rewrite after each step, so a running or killed boot is visible.
import { mkdir } from 'node:fs/promises';
import type { ChangeResult } from '../core/applier.js';
import { Exit, exitStatusOf, isMdctlError } from '../core/errors.js';
import type { ApplierStep, StepObserver, TimelineStep } from '../core/timeline.js';
import { writeFileAtomic } from '../system/files.js';
import { processAlive } from '../system/process.js';
import { BOOT_REPORT_FILE, REPORT_SCHEMA, readBootId, readReport, type BootReport, type Stage, type StageRun } from './report.js';

/**
 * Exit statuses after which systemd starts a stage's unit again. The boot unit restarts on 4
 * only (Restart=on-failure, RestartPreventExitStatus=1 2 3 5 in src/install/unit.ts).
 */
const RESTARTED_ON: Record<Stage, readonly number[]> = { local: [], boot: [Exit.UNREACHABLE] };
/** Changes kept per applier; a hostile user-data's thousand files must not make a huge report. */
const MAX_CHANGES = 100;
const MAX_TEXT = 300;
/** Steps kept per run: the first half and the latest half of this many. */
const MAX_STEPS = 1000;

/** Whether systemd will run the stage again after it ended with `status`: its unit restarts on it, and systemd ran it. */
export function restartsAfter(stage: Stage, status: number, env: NodeJS.ProcessEnv): boolean {
  return (env.INVOCATION_ID ?? '') !== '' && RESTARTED_ON[stage].includes(status);
}

/** What the report needs of an applier's run (src/appliers/runner.ts ApplierRun has it). */
interface AppliedRun {
  applier: { id: string };
  results: readonly ChangeResult[];
  errors: readonly string[];
  startedAt: number;
  elapsedMs: number;
}

/** A text on one line, cut to MAX_TEXT characters. */
function line(text: string): string {
  const flat = Array.from(text, (char) => (/\p{Cc}/u.test(char) ? ' ' : char)).join('').replace(/\s+/g, ' ').trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}…` : flat;
}

/** An applier's step: the summary and target of each change and how it ended; never before/after, never data. */
export function applierStep(run: AppliedRun): ApplierStep {
  const { results } = run;
  return {
    step: 'applier',
    at: new Date(run.startedAt).toISOString(),
    ms: run.elapsedMs,
    id: run.applier.id,
    result: run.errors.length > 0 ? 'failed' : 'ok',
    changes: results.slice(0, MAX_CHANGES).map(({ change, status }) => ({ action: change.action, target: line(change.target), summary: line(change.summary), status })),
    changes_omitted: Math.max(0, results.length - MAX_CHANGES),
    errors: run.errors.map(line),
  };
}

export interface WriterOptions {
  stateDir: string;
  stage: Stage;
  env: NodeJS.ProcessEnv;
  /** False writes nothing at all (a dry run). */
  enabled: boolean;
  bootIdFile?: string;
  now?: () => Date;
  pid?: number;
  /** A report that cannot be written is a warning: it never fails the boot. */
  warn?: (message: string) => void;
}

/** The report of one run of one stage; the other stage's entry of the same machine boot is kept. */
export class BootReportWriter {
  /** Hand this to the fetch sequence: each step is recorded and written. */
  readonly observe: StepObserver = (step) => this.record(step);
  private readonly entry: StageRun;
  private others: BootReport['stages'] = {};
  private opened = false;
  private queued = false;
  private writing: Promise<void> = Promise.resolve();
  private warned = false;

  private constructor(
    private readonly options: WriterOptions,
    private readonly bootId: string,
  ) {
    this.entry = {
      stage: options.stage,
      state: 'running',
      pid: options.pid ?? process.pid,
      run: 1,
      systemd: (options.env.INVOCATION_ID ?? '') !== '',
      instance_id: null,
      source: null,
      started_at: this.now(),
      ended_at: null,
      exit_status: null,
      error: null,
      restarts: false,
      timeline: [],
      timeline_omitted: 0,
    };
  }

  static async start(options: WriterOptions): Promise<BootReportWriter> {
    return new BootReportWriter(options, await readBootId(options.bootIdFile));
  }

  /** Starts writing: keeps the other stage of this machine boot, counts this stage's runs, queues `running`. */
  async open(): Promise<void> {
    if (this.opened || !this.options.enabled) return;
    this.opened = true;
    const previous = await readReport(this.options.stateDir).catch(() => null);
    if (previous !== null && previous.boot_id === this.bootId) {
      const { [this.options.stage]: earlier, ...others } = previous.stages;
      this.others = others;
      this.entry.run = (earlier?.run ?? 0) + 1;
    }
    await mkdir(this.options.stateDir, { recursive: true, mode: 0o755 }).catch(() => undefined);
    // Written in the background, as every step is: only finish() waits for the writes.
    this.schedule();
  }

  /** Resolves when every write queued so far is done. */
  async flush(): Promise<void> {
    await this.writing;
  }

  /** Records a step; past MAX_STEPS, the oldest step of the latest half makes room (the first half stays). */
  record(step: TimelineStep): void {
    const { timeline } = this.entry;
    timeline.push(step);
    if (timeline.length > MAX_STEPS) {
      timeline.splice(MAX_STEPS / 2, 1);
      this.entry.timeline_omitted += 1;
    }
    this.schedule();
  }

  /** The document's instance and source, once it is read. */
  instance(doc: { instance_id: string; source: { kind: string; endpoint: string; version: string } }): void {
    this.entry.instance_id = doc.instance_id;
    this.entry.source = { kind: doc.source.kind, endpoint: doc.source.endpoint, version: doc.source.version };
    this.schedule();
  }

  /** Hand this to applyDocument: each applier is recorded as it is done. */
  readonly applied = (run: AppliedRun): void => this.record(applierStep(run));

  /** Records the end (exit status, error, whether systemd runs the stage again) and waits for the last write. */
  async finish(status: number, error?: unknown): Promise<void> {
    if (!this.options.enabled) return;
    Object.assign(this.entry, {
      state: 'ended',
      ended_at: this.now(),
      exit_status: status,
      error: error === undefined ? null : line(isMdctlError(error) ? error.message : String(error)),
      restarts: restartsAfter(this.options.stage, status, this.options.env),
    });
    await this.open();
    if (await this.supplanted()) return;
    this.schedule();
    await this.flush();
  }

  /**
   * Whether another live run of this stage has written the report since: the end is recorded
   * after the state dir's lock is released, so a run that took the lock meanwhile owns the entry.
   */
  private async supplanted(): Promise<boolean> {
    await this.flush();
    const current = await readReport(this.options.stateDir).catch(() => null);
    const entry = current?.boot_id === this.bootId ? current.stages[this.options.stage] : undefined;
    return entry !== undefined && entry.state === 'running' && entry.pid !== this.entry.pid && processAlive(entry.pid);
  }

  /**
   * Runs the stage's body and records how it ended. A run that could not take the state dir's
   * lock leaves the report alone: it belongs to the run that holds the lock.
   */
  async track(body: () => Promise<number>): Promise<number> {
    let status: number;
    try {
      status = await body();
    } catch (error) {
      if (!(isMdctlError(error) && error.code === 'ERR_LOCKED')) await this.finish(exitStatusOf(error), error);
      throw error;
    }
    await this.finish(status);
    return status;
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  /** Queues one write of the current state; steps that come while one is queued join it. */
  private schedule(): void {
    if (!this.opened || this.queued) return;
    this.queued = true;
    this.writing = this.writing.then(() => {
      this.queued = false;
      return this.write();
    });
  }

  private async write(): Promise<void> {
    const report: BootReport = { schema: REPORT_SCHEMA, boot_id: this.bootId, updated_at: this.now(), stages: { ...this.others, [this.options.stage]: this.entry } };
    try {
      await writeFileAtomic(this.options.stateDir, BOOT_REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o644 });
    } catch (error) {
      if (this.warned) return;
      this.warned = true;
      this.options.warn?.(`boot report not written: ${isMdctlError(error) ? error.message : String(error)}`);
    }
  }
}

// What a report says about this machine boot: done, running, error or not run, and the exit status `status --wait` ends with.
import { Exit } from '../core/errors.js';
import { STAGES, type BootReport, type Stage, type StageRun } from './report.js';

type Summary = 'done' | 'running' | 'error' | 'not run';

/**
 * A stage's run as seen now: `running` (its process is alive), `restarting` (it ended with a
 * status systemd starts it again on), `killed` (it says running but its process is gone),
 * `done` (exit 0) or `error`.
 */
type StageState = 'running' | 'restarting' | 'killed' | 'done' | 'error';

export interface StageView {
  stage: Stage;
  state: StageState;
  /** The stage's exit status; a killed run counts as 1. Null while it runs. */
  exitStatus: number | null;
  run: StageRun;
}

export interface BootView {
  summary: Summary;
  /** Whether this machine boot's run of mdctl is over: what `status --wait` waits for. */
  over: boolean;
  /** The boot's exit status once it is over, else null. */
  exitStatus: number | null;
  instanceId: string | null;
  /** This machine boot's id. */
  bootId: string;
  /** The stages of this machine boot, in the order they run. */
  stages: StageView[];
  /** The report as read, also when it is of an earlier boot (then it has no stages here). */
  report: BootReport | null;
}

function stageView(run: StageRun, alive: (pid: number) => boolean): StageView {
  if (run.state === 'running') return alive(run.pid) ? { stage: run.stage, state: 'running', exitStatus: null, run } : { stage: run.stage, state: 'killed', exitStatus: Exit.FAILURE, run };
  if (run.restarts) return { stage: run.stage, state: 'restarting', exitStatus: null, run };
  const exitStatus = run.exit_status ?? Exit.FAILURE;
  return { stage: run.stage, state: exitStatus === Exit.OK ? 'done' : 'error', exitStatus, run };
}

/**
 * The boot's state from its report. It is over when no stage runs or will run again and the boot
 * unit's stage has ended (the local stage alone is not the end); its exit status is the boot
 * stage's, or the local stage's when the boot stage's is 0.
 */
export function viewOf(report: BootReport | null, bootId: string, alive: (pid: number) => boolean): BootView {
  const base = { report, bootId };
  if (report === null || report.boot_id !== bootId) return { ...base, summary: 'not run', over: false, exitStatus: null, instanceId: null, stages: [] };
  const stages = STAGES.flatMap((stage) => {
    const run = report.stages[stage];
    return run === undefined ? [] : [stageView(run, alive)];
  });
  const instanceId = [...stages].reverse().find((view) => view.run.instance_id !== null)?.run.instance_id ?? null;
  const boot = stages.find((view) => view.stage === 'boot');
  const busy = stages.some((view) => view.state === 'running' || view.state === 'restarting');
  if (busy || boot === undefined) return { ...base, summary: 'running', over: false, exitStatus: null, instanceId, stages };
  const local = stages.find((view) => view.stage === 'local');
  const exitStatus = boot.exitStatus !== Exit.OK ? (boot.exitStatus ?? Exit.FAILURE) : (local?.exitStatus ?? Exit.OK);
  return { ...base, summary: exitStatus === Exit.OK ? 'done' : 'error', over: true, exitStatus, instanceId, stages };
}

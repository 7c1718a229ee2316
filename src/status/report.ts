// The boot report file: its shape, and reading it back (a torn, foreign or garbage file is a clear error, never a crash).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOT_ID_FILE } from '../core/defaults.js';
import { MdctlError, isMdctlError, quote } from '../core/errors.js';
import type { TimelineStep } from '../core/timeline.js';
import { isObject } from '../model/fields.js';
import { readBootId as readKernelBootId } from '../system/boot-id.js';
import { readFileUnder } from '../system/files.js';

export const REPORT_SCHEMA = 1;
/** The report's name in the state dir. */
export const BOOT_REPORT_FILE = 'boot-report.json';
/** A report larger than this is not one mdctl wrote. */
const MAX_REPORT_BYTES = 16 * 1024 * 1024;

/** `local`: `boot --local`, the stage before networking; `boot`: the boot unit's run. */
export type Stage = 'local' | 'boot';
/** The stages in the order a machine boot runs them. */
export const STAGES: readonly Stage[] = ['local', 'boot'];

/** One stage's run during one machine boot: the latest run of that stage. */
export interface StageRun {
  stage: Stage;
  /** `running` until the run writes its end; a killed run stays `running` with a pid that is gone. */
  state: 'running' | 'ended';
  pid: number;
  /** How many times this stage started during this machine boot (systemd restarts count). */
  run: number;
  /** Whether systemd ran it (INVOCATION_ID was set). */
  systemd: boolean;
  instance_id: string | null;
  source: { kind: string; endpoint: string; version: string } | null;
  started_at: string;
  ended_at: string | null;
  exit_status: number | null;
  /** The one-line error the run ended with, if any. */
  error: string | null;
  /** Whether systemd will start the stage again (exit 4 under the boot unit). */
  restarts: boolean;
  timeline: TimelineStep[];
  /** Steps left out of the middle of `timeline` to keep the report small (a boot that waits for hours). */
  timeline_omitted: number;
}

export interface BootReport {
  schema: typeof REPORT_SCHEMA;
  /** The kernel's boot id during which the stages ran. */
  boot_id: string;
  updated_at: string;
  stages: Partial<Record<Stage, StageRun>>;
}

/** This machine boot's id, or `unknown` where the kernel does not say (then every report counts as this boot's). */
export async function readBootId(path: string = BOOT_ID_FILE): Promise<string> {
  return (await readKernelBootId(path)) ?? 'unknown';
}

const nullable = (value: unknown, type: 'string' | 'number'): boolean => value === null || typeof value === type;

/** Why a stage entry is not one mdctl writes, or null when it is. */
function stageProblem(stage: Stage, value: unknown): string | null {
  if (!isObject(value)) return `stages.${stage} is not an object`;
  const checks: Array<[string, boolean]> = [
    ['stage', value.stage === stage],
    ['state', value.state === 'running' || value.state === 'ended'],
    ['pid', Number.isSafeInteger(value.pid)],
    ['run', Number.isSafeInteger(value.run)],
    ['systemd', typeof value.systemd === 'boolean'],
    ['instance_id', nullable(value.instance_id, 'string')],
    ['source', value.source === null || isObject(value.source)],
    ['started_at', typeof value.started_at === 'string' && !Number.isNaN(Date.parse(value.started_at))],
    ['ended_at', nullable(value.ended_at, 'string')],
    ['exit_status', value.exit_status === null || Number.isSafeInteger(value.exit_status)],
    ['error', nullable(value.error, 'string')],
    ['restarts', typeof value.restarts === 'boolean'],
    ['timeline_omitted', Number.isSafeInteger(value.timeline_omitted)],
    ['timeline', Array.isArray(value.timeline) && value.timeline.every((step) => isObject(step) && typeof step.step === 'string' && typeof step.at === 'string' && typeof step.ms === 'number')],
  ];
  const bad = checks.find(([, ok]) => !ok);
  return bad === undefined ? null : `stages.${stage}.${bad[0]} is missing or of the wrong type`;
}

/** The report in `text`; ERR_IO naming what is wrong when it is not a report this mdctl reads. */
export function parseReport(text: string, where: string): BootReport {
  const refuse = (why: string): MdctlError => new MdctlError('ERR_IO', `cannot read the boot report ${quote(where)}: ${why}`, { hint: 'the next `mdctl boot` writes a new one' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse(text.trim() === '' ? 'the file is empty' : 'not JSON (a torn or foreign file)');
  }
  if (!isObject(value)) throw refuse('not a JSON object');
  if (value.schema !== REPORT_SCHEMA) throw refuse(`schema ${quote(value.schema)} is not ${REPORT_SCHEMA} (written by another version of mdctl?)`);
  if (typeof value.boot_id !== 'string' || typeof value.updated_at !== 'string' || !isObject(value.stages)) throw refuse('boot_id, updated_at or stages is missing');
  const stages = value.stages;
  const unknown = Object.keys(stages).find((key) => !(STAGES as readonly string[]).includes(key));
  if (unknown !== undefined) throw refuse(`unknown stage ${quote(unknown)}`);
  for (const stage of STAGES) {
    const problem = stages[stage] === undefined ? null : stageProblem(stage, stages[stage]);
    if (problem !== null) throw refuse(problem);
  }
  return value as unknown as BootReport;
}

/** A failure to read the report as one line: a state dir or file this user may not read says so plainly. */
function readFailure(error: unknown, where: string): MdctlError {
  const code = isMdctlError(error) ? error.code : (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_PERMISSION' || code === 'EACCES' || code === 'EPERM') {
    return new MdctlError('ERR_PERMISSION', `cannot read the boot report ${quote(where)}: permission denied`, {
      hint: 'the report holds no secrets; mdctl makes the state dir 0755 and the report 0644',
      cause: error,
    });
  }
  if (isMdctlError(error)) return new MdctlError(error.code, `cannot read the boot report: ${error.message}`, { cause: error });
  return new MdctlError('ERR_IO', `cannot read the boot report ${quote(where)}: ${code ?? String(error)}`, { cause: error });
}

/** The report in the state dir, or null when there is none (no state dir, no file). */
export async function readReport(stateDir: string): Promise<BootReport | null> {
  const where = join(stateDir, BOOT_REPORT_FILE);
  let data: Buffer | null;
  try {
    await stat(stateDir);
    data = await readFileUnder(stateDir, BOOT_REPORT_FILE, { maxBytes: MAX_REPORT_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw readFailure(error, where);
  }
  return data === null ? null : parseReport(data.toString('utf8'), where);
}

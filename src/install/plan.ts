// `install` as a plan (what each file of the image would become) and its application (atomic, no symlinks).
import { posix } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import type { Artifacts } from './artifacts.js';
import { defaultConfigText } from './config.js';
import { makeDirectoriesUnder, resolveUnder, writeFileAtomic } from '../system/files.js';
import { inspectImagePath, symlinkUnder } from './fs.js';
import { LOCAL_WANTS_TARGET, PATHS, WANTS_TARGET, launcherText, localUnitText, unitText } from './unit.js';

/** create/update: will be written; unchanged: already right; kept: exists and is never touched (config). */
type InstallAction = 'create' | 'update' | 'unchanged' | 'kept';

type Wanted =
  | { kind: 'file'; path: string; content: Buffer; mode: number; keepExisting?: boolean }
  | { kind: 'link'; path: string; target: string };

export type InstallStep = Wanted & { action: InstallAction };

/** Everything an image needs, as image paths (pure). */
function wantedFiles(artifacts: Artifacts): Wanted[] {
  return [
    { kind: 'file', path: PATHS.bundle, content: artifacts.bundle, mode: 0o644 },
    { kind: 'file', path: PATHS.launcher, content: Buffer.from(launcherText()), mode: 0o755 },
    { kind: 'file', path: PATHS.unit, content: Buffer.from(unitText()), mode: 0o644 },
    { kind: 'link', path: PATHS.wants, target: WANTS_TARGET },
    { kind: 'file', path: PATHS.localUnit, content: Buffer.from(localUnitText()), mode: 0o644 },
    { kind: 'link', path: PATHS.localWants, target: LOCAL_WANTS_TARGET },
    { kind: 'file', path: PATHS.config, content: Buffer.from(defaultConfigText()), mode: 0o644, keepExisting: true },
    { kind: 'file', path: PATHS.manPage, content: artifacts.manPage, mode: 0o644 },
  ];
}

async function actionFor(root: string, wanted: Wanted): Promise<InstallAction> {
  const full = resolveUnder(root, wanted.path);
  const existing = await inspectImagePath(root, wanted.path);
  if (existing.type === 'absent') return 'create';
  if (existing.type === 'other') {
    throw new MdctlError('ERR_UNSAFE_PATH', `refusing to replace ${quote(full)}: not a regular file or symbolic link`);
  }
  if (wanted.kind === 'link') {
    return existing.type === 'link' && existing.target === wanted.target ? 'unchanged' : 'update';
  }
  if (wanted.keepExisting === true) return 'kept';
  if (existing.type === 'link') {
    throw new MdctlError('ERR_UNSAFE_PATH', `refusing to write ${quote(full)}: it is a symbolic link`, {
      hint: 'mdctl never writes through symlinks under the root',
    });
  }
  return existing.content.equals(wanted.content) && existing.mode === wanted.mode ? 'unchanged' : 'update';
}

/** Reads the root and says what would happen to each file; writes nothing. */
export async function planInstall(root: string, artifacts: Artifacts): Promise<InstallStep[]> {
  const steps: InstallStep[] = [];
  for (const wanted of wantedFiles(artifacts)) steps.push({ ...wanted, action: await actionFor(root, wanted) });
  return steps;
}

/** Carries out the create/update steps of a plan, in order. */
export async function applyInstall(root: string, steps: InstallStep[]): Promise<void> {
  for (const step of steps) {
    if (step.action !== 'create' && step.action !== 'update') continue;
    if (step.kind === 'link') {
      await symlinkUnder(root, step.path, step.target);
    } else {
      await makeDirectoriesUnder(root, posix.dirname(step.path));
      await writeFileAtomic(root, step.path, step.content, { mode: step.mode });
    }
  }
}

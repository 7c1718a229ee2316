// The dry-run boot: a scratch copy of what the appliers read from the image, then every applier's plan (never applied, never live).
import { chmod, copyFile, lchown, lstat, mkdir, mkdtemp, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { MdctlError } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { builtinAppliers } from '../appliers/registry.js';
import { planAppliers, type ApplierRun } from '../appliers/runner.js';
import type { Applier } from '../appliers/types.js';
import type { HostnameSetter } from '../system/hostname.js';
import type { RouteTable } from '../system/iproute.js';
import { parsePasswd } from '../system/passwd.js';
import { entryAt, readImageFile, resolveInImage } from './image-fs.js';

/** The files the built-in appliers read; with each user's ~/.ssh that is all the scratch root holds. */
const COPIED_FILES = ['/etc/passwd', '/etc/group', '/etc/hostname', '/etc/hosts'] as const;

/** Copies a tree as it is: modes, owners, and symlinks as symlinks (so the appliers refuse them as they would in the image). */
async function copyTree(from: string, to: string): Promise<void> {
  const stats = await lstat(from);
  if (stats.isSymbolicLink()) await symlink(await readlink(from), to);
  else if (stats.isDirectory()) {
    await mkdir(to);
    for (const name of await readdir(from)) await copyTree(join(from, name), join(to, name));
  } else if (stats.isFile()) await copyFile(from, to);
  else return;
  if (!stats.isSymbolicLink()) await chmod(to, stats.mode & 0o7777);
  await lchown(to, stats.uid, stats.gid);
}

function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Makes `path` (an image directory) in the scratch root with the image's mode and owner, parents first. */
async function makeDirLike(root: string, scratch: string, path: string): Promise<void> {
  let current = '/';
  for (const part of path.split('/').filter((p) => p !== '')) {
    current = posix.join(current, part);
    const target = join(scratch, current);
    const made = await mkdir(target).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return false;
        throw error;
      },
    );
    const source = await entryAt(root, current);
    if (made && source.kind === 'dir') {
      const stats = await lstat(source.host);
      await chmod(target, stats.mode & 0o7777);
      await lchown(target, stats.uid, stats.gid);
    }
  }
}

/** Copies the appliers' inputs from the image root into `scratch`. */
async function copyApplierInputs(root: string, scratch: string): Promise<void> {
  await makeDirLike(root, scratch, '/etc');
  for (const path of COPIED_FILES) {
    const entry = await entryAt(root, path);
    if (entry.kind === 'file') await copyTree(entry.host, join(scratch, path));
  }
  const passwd = (await readImageFile(root, '/etc/passwd'))?.toString('utf8') ?? '';
  for (const { home } of parsePasswd(passwd)) {
    const entry = await entryAt(root, home);
    if (entry.kind !== 'dir' || home === '/') continue;
    await makeDirLike(root, scratch, home);
    const ssh = await resolveInImage(root, posix.join(home, '.ssh'), false);
    const target = join(scratch, home, '.ssh');
    if (ssh !== null && !(await exists(target))) await copyTree(ssh, target);
  }
}

/** A running hostname that is the image's own and can never be set. */
function imageHostname(name: string): HostnameSetter {
  return {
    current: () => name,
    set: () => Promise.reject(new MdctlError('ERR_FAILED', 'validate never sets the running hostname')),
  };
}

/** A route table validate never touches: plans are not live, so the routes applier does not ask. */
const NO_ROUTES: RouteTable = {
  links: () => Promise.reject(new MdctlError('ERR_FAILED', 'validate never reads the kernel routes')),
  list: () => Promise.reject(new MdctlError('ERR_FAILED', 'validate never reads the kernel routes')),
  batch: () => Promise.reject(new MdctlError('ERR_FAILED', 'validate never changes routes')),
};

interface DryRunOptions {
  /** The SSH key user from the image's config, if it names one. */
  user: string | undefined;
  /** Plugin appliers the image's config names (already loaded). */
  plugins: readonly Applier[];
  /** The config's `only` and `skip` applier ids. */
  only: readonly string[] | undefined;
  skip: readonly string[] | undefined;
}

/**
 * Plans every applier for `doc` against a scratch copy of the image (not live, no previous state)
 * and removes the copy. Paths in the messages name the image root, not the scratch copy.
 */
export async function dryRunBoot(doc: Instance, root: string, options: DryRunOptions): Promise<ApplierRun[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'mdctl-validate-'));
  try {
    await copyApplierInputs(root, scratch);
    const hostname = (await readImageFile(root, '/etc/hostname'))?.toString('utf8').trim() ?? '';
    const appliers = [...builtinAppliers({ hostname: imageHostname(hostname), routes: NO_ROUTES }), ...options.plugins].filter(
      (applier) => (options.only === undefined || options.only.includes(applier.id)) && !(options.skip ?? []).includes(applier.id),
    );
    const runs = await planAppliers(appliers, doc, { root: scratch, live: false, dryRun: true, user: options.user }, {});
    const shown = root === '/' ? '' : root;
    for (const run of runs) {
      run.errors.splice(0, run.errors.length, ...run.errors.map((text) => text.replaceAll(scratch, shown)));
      run.warnings.splice(0, run.warnings.length, ...run.warnings.map((text) => text.replaceAll(scratch, shown)));
    }
    return runs;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

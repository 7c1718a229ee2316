// Gathers what the image checks look at from an image root (reads only; runs `mdctl --version` on the live root).
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { DEFAULT_CACHE_DIR, DEFAULT_STATE_DIR } from '../core/defaults.js';
import { exec as defaultExec, type Exec } from '../system/exec.js';
import { parsePasswd } from '../system/passwd.js';
import { PATHS } from '../install/unit.js';
import { entryAt, linkAt, listTree, readImageFile, resolveInImage } from './image-fs.js';
import {
  LOCAL_UNIT_PATHS,
  MACHINE_ID_PATHS,
  NODE_PATHS,
  UNIT_PATHS,
  parseExecStart,
  type ImageFacts,
  type UnitFacts,
} from './image-checks.js';

const KEY_FILES = ['.ssh/authorized_keys', '.ssh/authorized_keys2'] as const;

async function text(root: string, path: string): Promise<string | null> {
  return (await readImageFile(root, path))?.toString('utf8') ?? null;
}

async function findUnit(root: string, paths: readonly string[] = UNIT_PATHS): Promise<{ unit: UnitFacts | null; unitHost: string | null }> {
  for (const path of paths) {
    const content = await text(root, path);
    if (content === null) continue;
    const argv = parseExecStart(content);
    const host = argv === null || argv[0] === undefined || !argv[0].startsWith('/') ? null : await resolveInImage(root, argv[0]);
    return { unit: { path, content, execStart: argv === null ? null : { argv, host } }, unitHost: await resolveInImage(root, path) };
  }
  return { unit: null, unitHost: null };
}

/** Every home to look for keys in: each passwd entry's, root's, each directory under /home, and /etc/skel (copied into new homes). */
async function homesOf(root: string): Promise<string[]> {
  const passwd = await text(root, '/etc/passwd');
  const homes = (passwd === null ? [] : parsePasswd(passwd)).map((entry) => entry.home);
  homes.push('/root', '/etc/skel');
  const homeDir = await entryAt(root, '/home');
  if (homeDir.kind === 'dir') {
    for (const name of (await readdir(homeDir.host)).sort()) homes.push(posix.join('/home', name));
  }
  const seen = new Set<string>();
  const found: string[] = [];
  for (const home of homes) {
    const entry = await entryAt(root, home);
    if (entry.kind !== 'dir' || seen.has(entry.host)) continue;
    seen.add(entry.host);
    found.push(home);
  }
  return found;
}

async function runVersion(exec: Exec): Promise<ImageFacts['version']> {
  try {
    const { stdout } = await exec([PATHS.launcher, '--version'], { timeoutMs: 30_000 });
    return { ok: true, output: stdout };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

interface GatherOptions {
  /** Runs `mdctl --version` when the root is "/" (injected by tests). */
  exec?: Exec;
}

/** Reads the facts of an image root; `root` "/" is the running system. */
export async function gatherImageFacts(root: string, options: GatherOptions = {}): Promise<ImageFacts> {
  const launcherEntry = await entryAt(root, PATHS.launcher);
  const homes = await homesOf(root);
  const keyFiles: ImageFacts['keyFiles'] = [];
  for (const home of homes) {
    for (const file of KEY_FILES) {
      const path = posix.join(home, file);
      const content = await text(root, path);
      if (content !== null) keyFiles.push({ path, content });
    }
  }
  const machineIds: ImageFacts['machineIds'] = [];
  for (const path of MACHINE_ID_PATHS) {
    const content = await text(root, path);
    if (content !== null) machineIds.push({ path, content });
  }
  const wantsTarget = await linkAt(root, PATHS.wants);
  const localWants = await linkAt(root, PATHS.localWants);
  return {
    launcher: { entry: launcherEntry, content: launcherEntry.kind === 'file' && launcherEntry.size < 65536 ? await text(root, PATHS.launcher) : null },
    launcherHost: await resolveInImage(root, PATHS.launcher),
    build: await entryAt(root, PATHS.bundle),
    nodes: await Promise.all(NODE_PATHS.map(async (path) => ({ path, entry: await entryAt(root, path) }))),
    version: root === '/' ? await runVersion(options.exec ?? defaultExec) : null,
    ...(await findUnit(root)),
    wants: { target: wantsTarget, host: wantsTarget === null ? null : await resolveInImage(root, PATHS.wants) },
    local: {
      ...(await findUnit(root, LOCAL_UNIT_PATHS)),
      wants: { target: localWants, host: localWants === null ? null : await resolveInImage(root, PATHS.localWants) },
    },
    cache: await listTree(root, DEFAULT_CACHE_DIR),
    state: await listTree(root, DEFAULT_STATE_DIR),
    homes,
    keyFiles,
    machineIds,
    hostKeys: (await listTree(root, '/etc/ssh', 0)).filter((name) => /^ssh_host_.*key.*$/.test(name)),
  };
}

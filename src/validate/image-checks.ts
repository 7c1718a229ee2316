// The image checks of `mdctl validate` as pure functions of the facts gathered from an image root.
import { DEFAULT_CACHE_DIR, DEFAULT_STATE_DIR } from '../core/defaults.js';
import { quote } from '../core/errors.js';
import { BLOCK_BEGIN } from '../appliers/key-block.js';
import { PATHS } from '../install/unit.js';
import type { Entry } from './image-fs.js';
import { fail, pass, warn, type CheckResult } from './types.js';

/** Where a unit file may live in an image, the administrator's copy first (systemd's order). */
export const UNIT_PATHS = [PATHS.unit, '/usr/lib/systemd/system/mdctl.service', '/lib/systemd/system/mdctl.service'] as const;
/** Where the local stage's unit may live, in systemd's order. */
export const LOCAL_UNIT_PATHS = [PATHS.localUnit, '/usr/lib/systemd/system/mdctl-local.service', '/lib/systemd/system/mdctl-local.service'] as const;
export const NODE_PATHS = ['/usr/bin/node', '/usr/local/bin/node'] as const;
export const MACHINE_ID_PATHS = ['/etc/machine-id', '/var/lib/dbus/machine-id'] as const;

interface ExecStart {
  argv: string[];
  /** The host path argv[0] resolves to inside the image, or null when it does not exist. */
  host: string | null;
}

export interface UnitFacts {
  path: string;
  content: string;
  execStart: ExecStart | null;
}

export interface ImageFacts {
  launcher: { entry: Entry; content: string | null };
  /** The host path the launcher resolves to inside the image, or null. */
  launcherHost: string | null;
  build: Entry;
  nodes: { path: string; entry: Entry }[];
  /** `mdctl --version` run on the live root only; null elsewhere. */
  version: { ok: true; output: string } | { ok: false; error: string } | null;
  /** The first unit file found on UNIT_PATHS, or null. */
  unit: UnitFacts | null;
  /** The host path of the unit file (symlinks resolved), to compare with where the wants link leads. */
  unitHost: string | null;
  wants: { target: string | null; host: string | null };
  /** The local stage's unit (mdctl-local.service) and its wants link, found like the boot unit; absent: not looked for. */
  local?: { unit: UnitFacts | null; unitHost: string | null; wants: { target: string | null; host: string | null } };
  /** What is in /run/mdctl and /var/lib/mdctl (relative names; [] when absent or empty). */
  cache: string[];
  state: string[];
  /** Every home looked in, and the authorized_keys files found there with their text. */
  homes: string[];
  keyFiles: { path: string; content: string }[];
  machineIds: { path: string; content: string }[];
  /** The SSH host key files in /etc/ssh (ssh_host_*key*), by name. */
  hostKeys: string[];
}

/**
 * The command of the last `ExecStart=` of the [Service] section, without systemd's prefixes
 * (`-`, `@`, `:`, `+`, `!`), split on blanks; null when there is none.
 */
export function parseExecStart(unitText: string): string[] | null {
  let section = '';
  let command: string | null = null;
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line.startsWith(';') || line === '') continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1] as string;
      continue;
    }
    const match = /^ExecStart\s*=\s*(.*)$/.exec(line);
    if (section === 'Service' && match !== null) command = (match[1] as string).trim() === '' ? null : (match[1] as string);
  }
  if (command === null) return null;
  return command.replace(/^[-@:+!]+/, '').trim().split(/\s+/);
}

function describeEntry(entry: Entry): string {
  return entry.kind === 'absent' ? 'missing' : entry.kind === 'dir' ? 'a directory' : 'not a regular file';
}

/** mdctl runs there: launcher and build present, a node in the image, and on "/" `mdctl --version` works. */
export function checkMdctlRuns(facts: ImageFacts): CheckResult {
  const { launcher, build } = facts;
  const install = 'run `mdctl install --root DIR`';
  if (launcher.entry.kind !== 'file') return fail('mdctl-runs', `launcher ${PATHS.launcher} is ${describeEntry(launcher.entry)} (${install})`);
  if ((launcher.entry.mode & 0o111) === 0) {
    return fail('mdctl-runs', `launcher ${PATHS.launcher} is not executable (mode ${launcher.entry.mode.toString(8).padStart(4, '0')})`);
  }
  if (build.kind !== 'file') return fail('mdctl-runs', `build ${PATHS.bundle} is ${describeEntry(build)} (${install})`);
  if (build.size === 0) return fail('mdctl-runs', `build ${PATHS.bundle} is empty (${install})`);
  const node = facts.nodes.find(({ entry }) => entry.kind === 'file' && (entry.mode & 0o111) !== 0);
  if (node === undefined) {
    return fail('mdctl-runs', `no node executable in /usr/bin or /usr/local/bin: the launcher runs \`node\`; install Node.js 20 or later in the image`);
  }
  if (facts.version !== null && !facts.version.ok) return fail('mdctl-runs', `\`${PATHS.launcher} --version\` failed: ${facts.version.error}`);
  const parts = [`launcher ${PATHS.launcher}`, `build ${PATHS.bundle} (${Math.ceil(build.size / 1024)} KiB)`, `node ${node.path}`];
  if (facts.version !== null) parts.push(`mdctl ${quote(facts.version.output.trim())} runs`);
  if (launcher.content !== null && !launcher.content.includes(PATHS.bundle)) {
    return warn('mdctl-runs', `launcher ${PATHS.launcher} does not name ${PATHS.bundle}; ${parts.slice(1).join(', ')}`);
  }
  return pass('mdctl-runs', parts.join(', '));
}

/** The boot unit: present, its ExecStart runs the launcher's `boot`, enabled through multi-user.target.wants. */
export function checkBootUnit(facts: ImageFacts): CheckResult {
  const { unit, wants, launcherHost } = facts;
  if (unit === null) return fail('boot-unit', `${PATHS.unit} is missing: mdctl would not run at boot (run \`mdctl install --root DIR\`)`);
  const exec = unit.execStart;
  if (exec === null) return fail('boot-unit', `${unit.path} has no ExecStart= in its [Service] section`);
  const command = exec.argv.join(' ');
  if (exec.host === null || launcherHost === null || exec.host !== launcherHost) {
    return fail('boot-unit', `${unit.path}: ExecStart runs ${quote(command)}, not the launcher ${PATHS.launcher}`);
  }
  if (exec.argv[1] !== 'boot') return fail('boot-unit', `${unit.path}: ExecStart runs ${quote(command)}, not \`${PATHS.launcher} boot\``);
  if (wants.target === null) {
    return fail('boot-unit', `not enabled: ${PATHS.wants} is missing (run \`systemctl --root DIR enable mdctl\` or \`mdctl install\`)`);
  }
  if (wants.host !== facts.unitHost) {
    return fail('boot-unit', `not enabled: ${PATHS.wants} points to ${quote(wants.target)}, not to ${unit.path}`);
  }
  return pass('boot-unit', `${unit.path} runs ${quote(command)}, enabled in multi-user.target.wants`);
}

/** The local stage's unit: runs the launcher's `boot --local` before network-pre.target, enabled; a missing one is a warning. */
export function checkLocalUnit(facts: ImageFacts): CheckResult {
  const { local, launcherHost } = facts;
  if (local === undefined || local.unit === null) {
    return warn('local-unit', `${PATHS.localUnit} is missing: without DHCP the guest would not configure its network from a config drive (run \`mdctl install --root DIR\`)`);
  }
  const { unit } = local;
  const exec = unit.execStart;
  if (exec === null) return fail('local-unit', `${unit.path} has no ExecStart= in its [Service] section`);
  const command = exec.argv.join(' ');
  if (exec.host === null || launcherHost === null || exec.host !== launcherHost || exec.argv[1] !== 'boot' || !exec.argv.includes('--local')) {
    return fail('local-unit', `${unit.path}: ExecStart runs ${quote(command)}, not \`${PATHS.launcher} boot --local\``);
  }
  if (local.wants.target === null) return fail('local-unit', `not enabled: ${PATHS.localWants} is missing (run \`mdctl install --root DIR\`)`);
  if (local.wants.host !== local.unitHost) return fail('local-unit', `not enabled: ${PATHS.localWants} points to ${quote(local.wants.target)}, not to ${unit.path}`);
  if (!/^Before=.*\bnetwork-pre\.target\b/m.test(unit.content)) {
    return warn('local-unit', `${unit.path} is not ordered Before=network-pre.target: it may run after the network manager has started`);
  }
  return pass('local-unit', `${unit.path} runs ${quote(command)} before network-pre.target, enabled in multi-user.target.wants`);
}

function baked(id: 'no-cache' | 'no-state', path: string, names: string[], what: string): CheckResult {
  if (names.length === 0) return pass(id, `no ${what} in ${path}`);
  const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')}, … (${names.length} in all)` : names.join(', ');
  return fail(id, `${path} holds ${shown}: a boot during the build left its ${what} in the image (remove ${path})`);
}

export function checkNoCache(facts: ImageFacts): CheckResult {
  return baked('no-cache', DEFAULT_CACHE_DIR, facts.cache, 'instance cache');
}

export function checkNoState(facts: ImageFacts): CheckResult {
  return baked('no-state', DEFAULT_STATE_DIR, facts.state, 'per-instance state');
}

/** Key lines of an authorized_keys text: neither blank nor comments. */
function keyLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

/** No authorized_keys with a key in any home: a key baked into an image opens every VM made from it. */
export function checkNoKeys(facts: ImageFacts): CheckResult {
  const problems: string[] = [];
  for (const file of facts.keyFiles) {
    const keys = keyLines(file.content).length;
    const block = file.content.split('\n').some((line) => line.trimEnd() === BLOCK_BEGIN);
    if (block) problems.push(`${file.path} has an mdctl-managed key block (${keys} ${keys === 1 ? 'key' : 'keys'})`);
    else if (keys > 0) problems.push(`${file.path} holds ${keys} ${keys === 1 ? 'key' : 'keys'}`);
  }
  if (problems.length > 0) {
    return fail('no-keys', `keys baked into the image: ${problems.join('; ')}; every VM made from it would accept them (remove the files)`);
  }
  const { homes } = facts;
  if (homes.length === 0) return pass('no-keys', 'no authorized keys: the image has no home directory (no /root, /etc/skel or /home/*)');
  return pass('no-keys', `no authorized keys in ${homes.length === 1 ? 'the one home' : `${homes.length} homes`} (${homes.join(', ')})`);
}

/**
 * No SSH host keys in the image: every VM made from it would share them until its first boot
 * replaced them. Keys kept on purpose (host_keys.regenerate false in the config) pass, said so.
 */
export function checkNoHostKeys(facts: ImageFacts, keptOnPurpose: boolean): CheckResult {
  const keys = facts.hostKeys;
  if (keys.length === 0) return pass('host-keys', 'no SSH host keys in /etc/ssh: each instance gets its own at first boot');
  const shown = keys.length > 4 ? `${keys.slice(0, 4).join(', ')}, … (${keys.length} in all)` : keys.join(', ');
  if (keptOnPurpose) return pass('host-keys', `/etc/ssh holds ${shown}, kept on purpose (host_keys.regenerate is false in the config)`);
  return fail('host-keys', `/etc/ssh holds ${shown}: host keys baked into the image (remove /etc/ssh/ssh_host_*key*; mdctl makes new ones at first boot)`);
}

/** /etc/machine-id empty, absent or "uninitialized" (systemd's first-boot marker); same for D-Bus's copy. */
export function checkMachineId(facts: ImageFacts): CheckResult {
  const set = facts.machineIds.filter(({ content }) => {
    const value = content.trim();
    return value !== '' && value !== 'uninitialized';
  });
  const first = set[0];
  if (first !== undefined) {
    return fail(
      'machine-id',
      `${first.path} is set (${quote(first.content.trim(), 40)}): every VM made from the image would share it (empty it: \`truncate -s 0 ${first.path}\`)`,
    );
  }
  return pass('machine-id', `${MACHINE_ID_PATHS[0]} is empty or absent`);
}

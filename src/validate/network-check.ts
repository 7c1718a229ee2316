// validate's network checks: the image ships no network files mdctl rendered, and the metadata renders cleanly for the image's network manager.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { NO_ADDRESSES, networkApplier } from '../appliers/network/applier.js';
import { chooseRenderer, type RendererSetting } from '../appliers/network/detect.js';
import { isMarked } from '../appliers/network/files.js';
import { RENDERERS } from '../appliers/network/renderers.js';
import { planAppliers } from '../appliers/runner.js';
import { listTree, readImageFile } from './image-fs.js';
import { fail, pass, skip, warn, type CheckResult } from './types.js';

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}

/** mdctl's files in the image's renderer directories: image path -> content. */
async function shippedFiles(root: string): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  for (const renderer of Object.values(RENDERERS)) {
    for (const name of await listTree(root, renderer.directory, 1)) {
      const path = `${renderer.directory}/${name}`;
      const bytes = await readImageFile(root, path);
      if (bytes !== null) found.set(path, bytes);
    }
  }
  return found;
}

/** Fails an image that ships network files mdctl rendered: they belong to the instance that was booted to build it. */
export async function checkNetworkFiles(root: string): Promise<CheckResult> {
  try {
    const marked = [...(await shippedFiles(root))].filter(([, bytes]) => isMarked(bytes)).map(([path]) => path);
    if (marked.length > 0) return fail('network-files', `the image ships network files mdctl rendered for an instance: ${marked.join(', ')}; remove them`);
    return pass('network-files', 'no network files rendered by mdctl');
  } catch (error) {
    return fail('network-files', message(error));
  }
}

/** Copies the image's renderer directories (regular files) into the scratch root, so a file of the image at mdctl's name is found. */
async function copyRendererDirs(scratch: string, files: Map<string, Buffer>): Promise<void> {
  for (const renderer of Object.values(RENDERERS)) await mkdir(join(scratch, renderer.directory), { recursive: true, mode: 0o755 });
  for (const [path, bytes] of files) await writeFile(join(scratch, path), bytes, { mode: 0o644 });
}

/** Where networkd reads .network files from, as an image ships them. */
const NETWORKD_DIRS = ['/etc/systemd/network', '/usr/local/lib/systemd/network', '/usr/lib/systemd/network', '/lib/systemd/network'];
/** [Match] keys that tie a file to particular devices. */
const SPECIFIC_KEYS = new Set(['MACAddress', 'PermanentMACAddress', 'Path', 'Driver', 'Property', 'Host', 'Virtualization', 'KernelCommandLine', 'SSID', 'BSSID']);

/** Whether a .network file's [Match] catches every Ethernet device (no device-specific key, no plain name). */
export function matchesEveryDevice(text: string): boolean {
  let section = '';
  const keys: [string, string][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) section = line;
    else if (section === '[Match]' && line.includes('=') && !line.startsWith('#') && !line.startsWith(';')) {
      const index = line.indexOf('=');
      keys.push([line.slice(0, index).trim(), line.slice(index + 1).trim()]);
    }
  }
  if (keys.some(([key]) => SPECIFIC_KEYS.has(key))) return false;
  const names = keys.filter(([key]) => key === 'Name').map(([, value]) => value);
  return names.length === 0 || names.some((value) => /[*?[]/.test(value));
}

/** The image's .network files that sort before mdctl's and match every device: networkd would apply them instead. */
async function shadowingFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const directory of NETWORKD_DIRS) {
    for (const name of await listTree(root, directory, 1)) {
      if (!name.endsWith('.network') || name >= '10-mdctl-') continue;
      const bytes = await readImageFile(root, `${directory}/${name}`);
      if (bytes !== null && !isMarked(bytes) && matchesEveryDevice(bytes.toString('utf8'))) found.push(`${directory}/${name}`);
    }
  }
  return found;
}

/**
 * Renders the metadata's network configuration for the image's network manager into a scratch
 * copy of its network directories and reports what would be written and every problem.
 */
export async function checkNetworkRender(doc: Instance, root: string, setting: RendererSetting, networkData: CheckResult): Promise<CheckResult> {
  if (networkData.status === 'fail') return skip('network-render', 'network_data.json has problems (see network-data)');
  if (doc.openstack?.network_data === null || doc.openstack === null) return pass('network-render', 'no network_data.json: nothing to render');
  const scratch = await mkdtemp(join(tmpdir(), 'mdctl-validate-network-'));
  try {
    const chosen = await chooseRenderer(setting, root);
    await copyRendererDirs(scratch, await shippedFiles(root));
    const applier = networkApplier({ renderer: chosen.renderer, addresses: NO_ADDRESSES });
    const [run] = await planAppliers([applier], doc, { root: scratch, live: false, dryRun: true, user: undefined }, {});
    const shown = (text: string): string => text.replaceAll(scratch, root === '/' ? '' : root);
    if (run === undefined || run.errors.length > 0) return fail('network-render', shown(run?.errors.join('; ') ?? 'the network applier did not run'));
    if (chosen.renderer === 'none') return warn('network-render', `no files rendered: ${chosen.why}; only the live addresses configure this guest`);
    const shadowing = chosen.renderer === 'networkd' ? await shadowingFiles(root) : [];
    if (shadowing.length > 0) return warn('network-render', `${shadowing.join(', ')} sort before mdctl's files and match every device: networkd would apply them instead`);
    const files = run.changes.filter((change) => (change.data as { kind?: string } | undefined)?.kind === 'file' && (change.action === 'create' || change.action === 'update'));
    const written = files.map((change) => quote(change.target.slice(scratch.length), 240));
    return pass('network-render', `${chosen.renderer} (${chosen.why}): ${written.length === 0 ? 'nothing to write' : written.join(', ')}`);
  } catch (error) {
    return fail('network-render', message(error));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

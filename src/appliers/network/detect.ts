// Which network manager an image enables (renderer `auto`): a unit linked into a .wants directory of the root's /etc/systemd/system.
import { listUnder } from '../../system/dir-under.js';
import type { RendererId } from './render.js';

export type RendererSetting = 'auto' | RendererId | 'none';

const UNITS: Record<RendererId, string[]> = {
  networkmanager: ['NetworkManager.service'],
  networkd: ['systemd-networkd.service'],
};

const SYSTEM = '/etc/systemd/system';

/** The units enabled under the root: every name linked in /etc/systemd/system/*.wants/. */
async function enabledUnits(root: string): Promise<Set<string>> {
  const units = new Set<string>();
  for (const entry of await listUnder(root, SYSTEM)) {
    if (entry.kind !== 'directory' || !entry.name.endsWith('.wants')) continue;
    for (const unit of await listUnder(root, `${SYSTEM}/${entry.name}`)) units.add(unit.name);
  }
  return units;
}

/**
 * The renderer to use: the setting itself unless it is `auto`; then NetworkManager when the image
 * enables it (it manages the devices when both are enabled), else systemd-networkd, else none.
 */
export async function chooseRenderer(setting: RendererSetting, root: string): Promise<{ renderer: RendererId | 'none'; why: string }> {
  if (setting !== 'auto') return { renderer: setting, why: 'set in the config file' };
  const enabled = await enabledUnits(root);
  for (const id of ['networkmanager', 'networkd'] as const) {
    const unit = UNITS[id].find((name) => enabled.has(name));
    if (unit !== undefined) return { renderer: id, why: `${unit} is enabled in the image` };
  }
  return { renderer: 'none', why: 'neither NetworkManager.service nor systemd-networkd.service is enabled in the image' };
}

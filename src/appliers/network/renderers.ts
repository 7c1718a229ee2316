// The network renderers by id: the config file's `network.renderer` names one of these (or none).
import { networkdRenderer } from './networkd.js';
import { networkManagerRenderer } from './networkmanager.js';
import type { Renderer, RendererId } from './render.js';

export const RENDERERS: Record<RendererId, Renderer> = {
  networkd: networkdRenderer,
  networkmanager: networkManagerRenderer,
};


// The built-in appliers by id, in the order they run, built from the system parts they act through.
import type { HostnameSetter } from '../system/hostname.js';
import type { RouteTable } from '../system/iproute.js';
import { hostnameApplier } from './hostname.js';
import { routesApplier } from './routes.js';
import { sshKeysApplier } from './ssh-keys.js';
import type { Applier } from './types.js';

export interface SystemParts {
  hostname: HostnameSetter;
  routes: RouteTable;
}

export const BUILTIN_IDS = ['hostname', 'ssh-keys', 'routes'] as const;

export function builtinAppliers(parts: SystemParts): Applier[] {
  return [hostnameApplier(parts.hostname), sshKeysApplier(), routesApplier(parts.routes)];
}

// The built-in appliers by id, in the order they run, built from the system parts they act through.
import type { HostnameSetter } from '../system/hostname.js';
import type { RouteTable } from '../system/iproute.js';
import { withCloudConfigHostname, withCloudConfigKeys } from './cloud-config.js';
import { hostnameApplier } from './hostname.js';
import { NO_ADDRESSES, networkApplier, type NetworkParts } from './network/applier.js';
import { routesApplier } from './routes.js';
import { scriptsApplier } from './scripts.js';
import { sshKeysApplier } from './ssh-keys.js';
import type { Applier } from './types.js';
import { writeFilesApplier } from './write-files.js';

export interface SystemParts {
  hostname: HostnameSetter;
  routes: RouteTable;
  /** The state dir, where the scripts applier records and logs its runs; without it scripts are never run. */
  stateDir?: string;
  /** The network applier's renderer setting and live address table; without it the network applier renders for the image (auto) and acts on nothing live. */
  network?: Omit<NetworkParts, 'stateDir'>;
}

export const BUILTIN_IDS = ['hostname', 'ssh-keys', 'network', 'routes', 'write-files', 'scripts'] as const;

export function builtinAppliers(parts: SystemParts): Applier[] {
  return [
    withCloudConfigHostname(hostnameApplier(parts.hostname)),
    withCloudConfigKeys(sshKeysApplier()),
    networkApplier({ renderer: 'auto', addresses: NO_ADDRESSES, ...parts.network, ...(parts.stateDir === undefined ? {} : { stateDir: parts.stateDir }) }),
    routesApplier(parts.routes),
    writeFilesApplier(),
    scriptsApplier({ stateDir: parts.stateDir }),
  ];
}

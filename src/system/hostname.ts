// The running hostname: read it, and set it with hostnamectl where systemd runs, else hostname(1).
import { stat } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { exec as defaultExec, type Exec } from './exec.js';

export interface HostnameSetter {
  /** The hostname of this process's UTS namespace. */
  current(): string;
  set(name: string): Promise<void>;
}

/** Whether systemd is PID 1 and running (sd_booted(3): /run/systemd/system is a directory). */
export async function systemdRunning(marker = '/run/systemd/system'): Promise<boolean> {
  try {
    return (await stat(marker)).isDirectory();
  } catch {
    return false;
  }
}

interface HostnameSetterOptions {
  exec?: Exec;
  /**
   * Use `hostnamectl set-hostname` (which also writes the real /etc/hostname): only when
   * systemd runs and file effects go to "/" too.
   */
  hostnamectl: boolean;
}

export function hostnameSetter(options: HostnameSetterOptions): HostnameSetter {
  const run = options.exec ?? defaultExec;
  return {
    current: () => osHostname(),
    async set(name) {
      await run(options.hostnamectl ? ['hostnamectl', 'set-hostname', name] : ['hostname', name]);
    },
  };
}

// The files `install` writes besides the build: the boot units, the launcher and where they go.
import { DEFAULT_CONFIG } from '../core/defaults.js';

/** Where mdctl lives inside an image. */
export const PATHS = {
  bundle: '/usr/lib/mdctl/mdctl.mjs',
  launcher: '/usr/bin/mdctl',
  unit: '/etc/systemd/system/mdctl.service',
  wants: '/etc/systemd/system/multi-user.target.wants/mdctl.service',
  localUnit: '/etc/systemd/system/mdctl-local.service',
  localWants: '/etc/systemd/system/multi-user.target.wants/mdctl-local.service',
  config: DEFAULT_CONFIG,
  manPage: '/usr/share/man/man1/mdctl.1',
} as const;

/** The wants link's target, relative so it resolves the same inside the image and from the build host. */
export const WANTS_TARGET = '../mdctl.service';
export const LOCAL_WANTS_TARGET = '../mdctl-local.service';

/** Exit statuses that another try cannot fix (DESIGN.md section 3): only 4, "unreachable", restarts. */
const NO_RESTART_STATUSES = [1, 2, 3, 5];

/** Runs the single-file build with the image's own node (found on the unit's default PATH). */
export function launcherText(): string {
  return ['#!/bin/sh', '# mdctl launcher, written by `mdctl install`: runs the single-file build.', `exec node ${PATHS.bundle} "$@"`, ''].join(
    '\n',
  );
}

/** mdctl.service: one `mdctl boot` per boot, after the network is up and before sshd accepts logins. */
export function unitText(): string {
  return [
    '# mdctl.service, written by `mdctl install`; see mdctl(1).',
    '[Unit]',
    'Description=Apply OpenStack instance metadata (hostname, SSH keys, routes)',
    'Documentation=man:mdctl(1)',
    'Wants=network-online.target',
    'After=network-online.target',
    'Before=ssh.service sshd.service',
    '# Keep retrying while the metadata service is unreachable; each try has its own deadline.',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${PATHS.launcher} boot`,
    'RemainAfterExit=yes',
    '# Exit 4 means unreachable and is worth another try; 1, 2, 3 and 5 are not.',
    'Restart=on-failure',
    `RestartPreventExitStatus=${NO_RESTART_STATUSES.join(' ')}`,
    'RestartSec=30s',
    'TimeoutStartSec=5min',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * mdctl-local.service: `mdctl boot --local` once the local file systems are up and before any
 * network manager starts (they order themselves after network-pre.target but do not pull it in).
 */
export function localUnitText(): string {
  return [
    '# mdctl-local.service, written by `mdctl install`; see mdctl(1).',
    '[Unit]',
    'Description=Configure the network from an OpenStack config drive (before networking)',
    'Documentation=man:mdctl(1)',
    'DefaultDependencies=no',
    'After=local-fs.target',
    'Wants=network-pre.target',
    'Before=network-pre.target',
    'Before=shutdown.target',
    'Conflicts=shutdown.target',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${PATHS.launcher} boot --local`,
    'RemainAfterExit=yes',
    'TimeoutStartSec=5min',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

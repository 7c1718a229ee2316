// What one `mdctl validate` check reports, and every check id in the order the table lists them.
import type { Check } from '../core/check.js';

type ImageCheckId = 'mdctl-runs' | 'boot-unit' | 'local-unit' | 'no-cache' | 'no-state' | 'no-keys' | 'host-keys' | 'machine-id' | 'config' | 'network-files';
export const METADATA_CHECK_IDS = ['crawl', 'meta-data', 'hostname', 'ssh-keys', 'network-data', 'network-render', 'user-data', 'dry-run'] as const;

export type CheckId = ImageCheckId | (typeof METADATA_CHECK_IDS)[number];

export type CheckResult = Check<CheckId>;

export function pass(id: CheckId, message: string): CheckResult {
  return { id, status: 'pass', message };
}

export function warn(id: CheckId, message: string): CheckResult {
  return { id, status: 'warn', message };
}

export function fail(id: CheckId, message: string): CheckResult {
  return { id, status: 'fail', message };
}

export function skip(id: CheckId, message: string): CheckResult {
  return { id, status: 'skip', message };
}

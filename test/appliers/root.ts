// Test helpers for appliers: a temp root with files, a hash of everything under it, a minimal document and context.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ApplyContext } from '../../src/core/applier.js';
import type { Instance } from '../../src/core/instance.js';

const roots: string[] = [];

/** A temp directory with these files (path -> content); removed by removeRoots(). */
export function makeRoot(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'mdctl-root-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

export function removeRoots(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/** Every entry under dir: type, mode, owner, content hash or link target, and mtime. */
export function snapshot(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (path: string, rel: string): void => {
    const stats = lstatSync(path);
    const head = `${stats.mode.toString(8)} ${stats.uid}:${stats.gid} ${stats.mtimeMs}`;
    if (stats.isSymbolicLink()) result[rel] = `${head} -> ${readlinkSync(path)}`;
    else if (stats.isDirectory()) {
      result[rel] = `${head} dir`;
      for (const name of readdirSync(path).sort()) walk(join(path, name), `${rel}/${name}`);
    } else result[rel] = `${head} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  };
  walk(dir, '');
  return result;
}

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'svc:x:1001:1001::/home/svc:/bin/false',
  'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash',
  'bob:x:1002:1002::/home/bob:/bin/sh',
  '',
].join('\n');

export function doc(overrides: Partial<Instance> = {}): Instance {
  return {
    schema: 1,
    source: { kind: 'openstack', endpoint: 'http://127.0.0.1', version: '2020-10-14', files: ['meta_data.json'], fetched_at: '2025-01-01T00:00:00Z' },
    instance_id: '795fed3a-431a-4b89-bd80-ffac22196e72',
    name: 'dvr3-demo12',
    hostname: 'dvr3-demo12.novalocal',
    availability_zone: 'nova',
    project_id: null,
    launch_index: 0,
    meta: {},
    public_keys: [],
    networks: [],
    routes: [],
    dns_nameservers: [],
    user_data: null,
    openstack: null,
    ec2: null,
    ...overrides,
  };
}

export interface TestContext extends ApplyContext {
  warnings: string[];
  refusals: string[];
}

export function context(root: string, overrides: Partial<ApplyContext> = {}): TestContext {
  const warnings: string[] = [];
  const refusals: string[] = [];
  return {
    root,
    live: false,
    dryRun: false,
    user: undefined,
    previous: undefined,
    warn: (message) => warnings.push(message),
    refuse: (message) => refusals.push(message),
    warnings,
    refusals,
    ...overrides,
  };
}

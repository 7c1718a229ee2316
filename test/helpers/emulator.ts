// Starts `mdctl serve` as a real process for tests and reads its access log; fixture paths shared by every test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequestRaw, type OutgoingHttpHeaders } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogEntry } from '../../src/emulator/accesslog.js';
import { BIN } from './cli.js';

/** One line of the access log (--log). */
export type { LogEntry };

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

/** The seed's dvr3-demo12 on a DHCP subnet (fixtures/nova/seed-dhcp), max_version 2020-10-14. */
export const SEED_DHCP_FIXTURE = join(FIXTURES, 'seed-dhcp.yaml');
/** The same instance on a static subnet: routes, two DNS servers, meta, vendor data (fixtures/nova/seed-static). */
export const SEED_STATIC_FIXTURE = join(FIXTURES, 'seed-static.yaml');
/** A service that answers only the EC2 tree: /openstack and below are 404. */
export const EC2_ONLY_FIXTURE = join(FIXTURES, 'ec2-only.yaml');

/** The genuine Nova responses (a copy of shared/fixtures/nova, produced by Nova 26.2.2). */
export const NOVA_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/nova/', import.meta.url));

export interface StartOptions {
  /** Fixture YAML path (default: the bundled dvr3-demo12 sample). */
  fixture?: string;
  /** Fault rules YAML path. */
  faults?: string;
  /** Proxy mode: require Neutron's signed headers. */
  proxySecret?: string;
  /** Addresses to listen on (default 127.0.0.1). */
  listen?: string[];
  /** Port (default 0: a free one). */
  port?: number;
  /** Prefix the command, e.g. ['ip', 'netns', 'exec', 'ns']. */
  wrap?: string[];
  extraArgs?: string[];
}

export interface Emulator {
  /** The first URL, no trailing slash. */
  url: string;
  urls: string[];
  logPath: string;
  /** The access log so far, parsed. */
  requests(): Promise<LogEntry[]>;
  /** SIGTERM, then wait for the process to exit. */
  stop(): Promise<void>;
  /** The process, for tests of signals and exit codes. */
  child: ChildProcess;
}

const READY = /^mdctl serve: listening on (.+)$/m;
const READY_TIMEOUT_MS = 10_000;
const tempDirs: string[] = [];
const running = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Write fixture (or faults) YAML to a temp file removed when the test process exits; returns its path. */
export async function writeFixture(yamlText: string): Promise<string> {
  const path = join(tempDir('mdctl-fixture-'), 'fixture.yaml');
  await writeFile(path, yamlText);
  return path;
}

/** The argv after `mdctl` for these options. */
function serveArgs(opts: StartOptions, logPath: string): string[] {
  const args = ['serve', '--port', String(opts.port ?? 0), '--log', logPath];
  if (opts.fixture !== undefined) args.push('--fixture', opts.fixture);
  if (opts.faults !== undefined) args.push('--faults', opts.faults);
  if (opts.proxySecret !== undefined) args.push('--proxy-secret', opts.proxySecret);
  for (const address of opts.listen ?? []) args.push('--listen', address);
  args.push(...(opts.extraArgs ?? []));
  return args;
}

export async function startEmulator(opts: StartOptions = {}): Promise<Emulator> {
  const logPath = join(tempDir('mdctl-emulator-'), 'access.log');
  const [file, ...rest] = [...(opts.wrap ?? []), process.execPath, BIN, ...serveArgs(opts, logPath)] as [string, ...string[]];
  const child = spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  exited.then(() => running.delete(child), () => undefined);

  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const urls = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mdctl serve did not get ready in ${READY_TIMEOUT_MS} ms; stderr: ${stderr.trim()}`));
    }, READY_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const ready = READY.exec(stdout);
      if (ready !== null) {
        clearTimeout(timer);
        resolve((ready[1] ?? '').trim().split(' '));
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`mdctl serve exited (${signal ?? code}) before it was ready; stderr: ${stderr.trim()}`));
    });
  });

  return {
    url: urls[0] ?? '',
    urls,
    logPath,
    child,
    async requests() {
      const text = await readFile(logPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LogEntry);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface HttpResult {
  status: number;
  contentType: string | undefined;
  headers: NodeJS.Dict<string | string[]>;
  body: Buffer;
}

export interface HttpOptions {
  method?: string;
  /** Exactly these headers (no Accept unless given: WebOb answers errors in plain text then). */
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
}

/** One HTTP request with nothing added (unlike fetch, which sends Accept: *\/*); rejects on a connection error. */
export function httpRequest(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequestRaw(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

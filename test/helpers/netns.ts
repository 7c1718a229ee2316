// Network namespaces and veth pairs for tests, driven by `ip` through execFile; everything made is removed by cleanup().
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ExecResult {
  stdout: string;
  stderr: string;
}

const created = new Set<string>();

/**
 * A name unique to this process: `${tag}${pid}`, so test files running at the same time never
 * meet. A tag that ends in a digit gets a "-" before the pid (else "h2f" with pid 41 and "h2f4"
 * with pid 1 would be the same name). Interface names are at most 15 characters, so keep tags
 * short (7 characters fit any pid).
 */
export function uniqueName(tag: string): string {
  const name = `${tag}${/[0-9]$/.test(tag) ? '-' : ''}${process.pid}`;
  if (name.length > 15) throw new Error(`netns: name ${name} is longer than 15 characters; use a shorter tag`);
  return name;
}

/** Run a command without a shell; rejects with its stderr on a non-zero exit. */
export async function run(argv: string[], timeoutMs = 30_000): Promise<ExecResult> {
  const [file, ...args] = argv as [string, ...string[]];
  try {
    const { stdout, stderr } = await execFileAsync(file, args, { timeout: timeoutMs, encoding: 'utf8' });
    return { stdout, stderr };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`netns: ${argv.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: error });
  }
}

/** The argv prefix that runs a command inside a namespace. */
export function wrap(ns: string): string[] {
  return ['ip', 'netns', 'exec', ns];
}

/** The argv prefix that runs a command inside a namespace and a new UTS namespace (its own hostname). */
export function wrapUts(ns: string): string[] {
  return ['ip', 'netns', 'exec', ns, 'unshare', '--uts'];
}

/** Run a command inside a namespace. */
export function exec(ns: string, argv: string[], timeoutMs?: number): Promise<ExecResult> {
  return run([...wrap(ns), ...argv], timeoutMs);
}

export interface NetnsOptions {
  /** Turn off IPv6 duplicate address detection for interfaces made afterwards (default true). */
  noDad?: boolean;
}

/** Create a namespace (replacing a stale one of the same name) with `lo` up; returns its name. */
export async function createNetns(name: string, options: NetnsOptions = {}): Promise<string> {
  await run(['ip', 'netns', 'del', name]).catch(() => undefined);
  await run(['ip', 'netns', 'add', name]);
  created.add(name);
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  if (options.noDad !== false) {
    await exec(name, ['sysctl', '-q', '-w', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
  }
  return name;
}

/** Delete one namespace (its veth ends go with it). */
export async function removeNetns(name: string): Promise<void> {
  created.delete(name);
  await run(['ip', 'netns', 'del', name]).catch(() => undefined);
}

/** Remove every namespace this process created. Call from after(). */
export async function cleanup(): Promise<void> {
  await Promise.all([...created].map((name) => removeNetns(name)));
}

export interface VethOptions {
  hostNs: string;
  guestNs: string;
  hostIf: string;
  guestIf: string;
  hostMac?: string;
  guestMac?: string;
  /** Bring both ends up (default true). */
  up?: boolean;
}

/** A veth pair from hostNs to guestNs, both ends up unless told otherwise. */
export async function vethPair(options: VethOptions): Promise<void> {
  const { hostNs, guestNs, hostIf, guestIf } = options;
  const argv = ['ip', '-n', hostNs, 'link', 'add', hostIf];
  if (options.hostMac !== undefined) argv.push('address', options.hostMac);
  argv.push('type', 'veth', 'peer', 'name', guestIf);
  if (options.guestMac !== undefined) argv.push('address', options.guestMac);
  argv.push('netns', guestNs);
  await run(argv);
  if (options.up !== false) {
    await linkUp(hostNs, hostIf);
    await linkUp(guestNs, guestIf);
  }
}

export async function linkUp(ns: string, ifname: string): Promise<void> {
  await run(['ip', '-n', ns, 'link', 'set', ifname, 'up']);
}

export async function linkDown(ns: string, ifname: string): Promise<void> {
  await run(['ip', '-n', ns, 'link', 'set', ifname, 'down']);
}

/** Add an address (CIDR); IPv6 addresses are added with `nodad` so they are usable at once. */
export async function addAddr(ns: string, ifname: string, cidr: string): Promise<void> {
  const argv = ['ip', '-n', ns, 'addr', 'add', cidr, 'dev', ifname];
  if (cidr.includes(':')) argv.push('nodad');
  await run(argv);
}

export interface RouteOptions {
  via?: string;
  dev?: string;
  metric?: number;
}

/** Add a route, e.g. addRoute(ns, '169.254.169.254/32', {via: '192.168.0.3', dev: 'eth0'}). */
export async function addRoute(ns: string, destination: string, options: RouteOptions = {}): Promise<void> {
  const argv = ['ip', '-n', ns, 'route', 'add', destination];
  if (options.via !== undefined) argv.push('via', options.via);
  if (options.dev !== undefined) argv.push('dev', options.dev);
  if (options.metric !== undefined) argv.push('metric', String(options.metric));
  await run(argv);
}

/** Wait until no IPv6 address in the namespace is tentative (DAD done), up to timeoutMs. */
export async function waitForAddresses(ns: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await run(['ip', '-n', ns, '-6', 'addr', 'show', 'tentative']);
    if (stdout.trim() === '') return;
    if (Date.now() > until) throw new Error(`netns: addresses in ${ns} still tentative: ${stdout.trim()}`);
    await sleep(50);
  }
}

/** Wait until `ifname` has an IPv6 link-local address that is no longer tentative (the kernel adds it once the link has carrier). */
export async function waitForLinkLocal(ns: string, ifname: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await run(['ip', '-n', ns, '-6', 'addr', 'show', 'dev', ifname, 'scope', 'link']);
    if (stdout.includes('inet6 fe80:') && !stdout.includes('tentative')) return;
    if (Date.now() > until) throw new Error(`netns: no usable link-local address on ${ifname} in ${ns}: ${stdout.trim()}`);
    await sleep(50);
  }
}

/**
 * The seed's network in two namespaces: the cloud side holds the qdhcp port 192.168.0.3, the
 * router 192.168.0.1 and 169.254.169.254/32; the guest's eth0 (with the given MAC) is
 * 192.168.0.233/24 with the option-121 host route to 169.254.169.254 via 192.168.0.3.
 */
export async function seedNetwork(options: { host: string; guest: string; hostIf: string; guestMac: string }): Promise<void> {
  await createNetns(options.host);
  await createNetns(options.guest);
  await vethPair({ hostNs: options.host, guestNs: options.guest, hostIf: options.hostIf, guestIf: 'eth0', guestMac: options.guestMac });
  for (const address of ['192.168.0.3/24', '192.168.0.1/24', '169.254.169.254/32']) await addAddr(options.host, options.hostIf, address);
  await addAddr(options.guest, 'eth0', '192.168.0.233/24');
  await addRoute(options.guest, '169.254.169.254/32', { via: '192.168.0.3', dev: 'eth0' });
}

/**
 * A guest on a network without DHCP: the host side holds the router 192.168.0.1/24; the guest's
 * eth0 (with the given MAC) is down and has no address, for mdctl to configure from the metadata.
 */
export async function staticGuestNetwork(options: { host: string; guest: string; hostIf: string; guestMac: string }): Promise<void> {
  await createNetns(options.host);
  await createNetns(options.guest);
  await vethPair({ hostNs: options.host, guestNs: options.guest, hostIf: options.hostIf, guestIf: 'eth0', guestMac: options.guestMac });
  await addAddr(options.host, options.hostIf, '192.168.0.1/24');
  await exec(options.guest, ['ip', 'link', 'set', 'eth0', 'down']);
}

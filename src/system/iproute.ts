// Kernel routes and links through iproute2 (`ip -j` to read, `ip -force -batch` to change), run without a shell; pure parsers for its output.
import { MdctlError, quote } from '../core/errors.js';
import { exec as defaultExec, type Exec } from './exec.js';

export type Family = 4 | 6;

export interface KernelRoute {
  family: Family;
  /** CIDR; the default route is "0.0.0.0/0" or "::/0". */
  destination: string;
  gateway: string | null;
  dev: string | null;
}

/** The route mdctl asks for: always a gateway and an interface. */
export interface RouteSpec {
  family: Family;
  destination: string;
  gateway: string;
  dev: string;
}

interface Link {
  name: string;
  /** Lower-case MAC address. */
  mac: string;
  /** The hardware's own MAC when it differs from the current one (`permaddr`), lower case. */
  permanentMac?: string;
  /** linkinfo.info_kind with `ip -d`: "veth", "vlan", "bond"... */
  kind?: string;
}

/** The objects of a JSON list `ip -j` printed; ERR_EXEC when it printed something else. */
export function ipJsonList(text: string, what: string): Record<string, unknown>[] {
  let value: unknown;
  try {
    value = JSON.parse(text === '' ? '[]' : text);
  } catch (error) {
    throw new MdctlError('ERR_EXEC', `cannot read ${what}: ip printed invalid JSON`, { cause: error });
  }
  if (!Array.isArray(value)) throw new MdctlError('ERR_EXEC', `cannot read ${what}: ip printed ${quote(typeof value)}, not a list`);
  return value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
}

/** A non-empty string field of `ip -j` output, else null. */
export function ipText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Parses `ip -j -4|-6 route show` output. */
export function parseIpRoutes(json: string, family: Family): KernelRoute[] {
  return ipJsonList(json, 'routes').flatMap((item) => {
    const dst = ipText(item.dst);
    if (dst === null) return [];
    let destination = dst;
    if (dst === 'default') destination = family === 4 ? '0.0.0.0/0' : '::/0';
    else if (!dst.includes('/')) destination = `${dst}/${family === 4 ? 32 : 128}`;
    return [{ family, destination, gateway: ipText(item.gateway), dev: ipText(item.dev) }];
  });
}

/** Parses `ip -j link show` output into interfaces with an Ethernet-style address. */
export function parseIpLinks(json: string): Link[] {
  return ipJsonList(json, 'links').flatMap((item) => {
    const name = ipText(item.ifname);
    const mac = ipText(item.address);
    if (name === null || mac === null || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) return [];
    const permanent = ipText(item.permaddr);
    const kind = ipText((item.linkinfo as Record<string, unknown> | undefined)?.info_kind);
    return [{ name, mac: mac.toLowerCase(), ...(permanent === null ? {} : { permanentMac: permanent.toLowerCase() }), ...(kind === null ? {} : { kind }) }];
  });
}

/** One change to the kernel's routes, as a line of `ip -batch`. */
export interface RouteOp {
  op: 'replace' | 'delete';
  route: RouteSpec;
}

/** Routes per `ip -batch` run: a chunk takes well under a second, so the state is recorded often. */
export const ROUTE_CHUNK = 500;

/** The ip arguments of one op; the destination stays a CIDR ("0.0.0.0/0"), so one batch mixes families. */
function opArgs({ op, route }: RouteOp): string[] {
  const line = ['route', op === 'replace' ? 'replace' : 'del', route.destination, 'via', route.gateway, 'dev', route.dev];
  return op === 'replace' ? [...line, 'proto', 'static'] : line;
}

/**
 * Which lines of an `ip -force -batch -` run failed, from its stderr: the messages printed
 * before each "Command failed -:N" belong to line N (1-based). Returns one entry per line:
 * null when it succeeded, else its error.
 */
export function parseBatchErrors(stderr: string, lines: number): (string | null)[] {
  const errors: (string | null)[] = Array.from({ length: lines }, () => null);
  let pending: string[] = [];
  for (const text of stderr.split('\n')) {
    const failed = /^Command failed .*:(\d+)$/.exec(text.trim());
    if (failed === null) {
      if (text.trim() !== '') pending.push(text.trim());
      continue;
    }
    const index = Number(failed[1]) - 1;
    if (index >= 0 && index < lines) errors[index] = pending.length === 0 ? 'failed' : pending.join('; ');
    pending = [];
  }
  return errors;
}

export interface RouteTable {
  links(): Promise<Link[]>;
  list(family: Family): Promise<KernelRoute[]>;
  /**
   * Carries out the ops in one `ip -force -batch` run (mixed families), or one ip run per op when
   * that run fails without naming a line (an ip without -batch); returns one entry per op: null
   * when done, else why it failed. Throws only when ip cannot run at all.
   */
  batch(ops: readonly RouteOp[]): Promise<(string | null)[]>;
}

/**
 * The kernel's main routing table through `ip`. `command` is how to run ip, e.g.
 * ["ip"] or ["ip", "netns", "exec", "ns1", "ip"].
 */
export function ipRouteTable(command: readonly string[] = ['ip'], run: Exec = defaultExec): RouteTable {
  const one = async (ops: readonly RouteOp[]): Promise<(string | null)[]> => {
    const errors: (string | null)[] = [];
    for (const op of ops) {
      const result = await run([...command, `-${op.route.family}`, ...opArgs(op)], { allowFailure: true });
      const why = result.stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? `exit status ${result.status}`;
      errors.push(result.status === 0 ? null : why);
    }
    return errors;
  };
  return {
    async links() {
      return parseIpLinks((await run([...command, '-d', '-j', 'link', 'show'])).stdout);
    },
    async list(family) {
      return parseIpRoutes((await run([...command, '-j', `-${family}`, 'route', 'show', 'table', 'main'])).stdout, family);
    },
    async batch(ops) {
      if (ops.length === 0) return [];
      const input = `${ops.map((op) => opArgs(op).join(' ')).join('\n')}\n`;
      const result = await run([...command, '-force', '-batch', '-'], { input, allowFailure: true, timeoutMs: 60_000 });
      const errors = parseBatchErrors(result.stderr, ops.length);
      if (result.status === 0 || errors.some((error) => error !== null)) return errors;
      // A failure ip gave no line (an ip without -batch): the chunk again, one ip run per route.
      return one(ops);
    },
  };
}

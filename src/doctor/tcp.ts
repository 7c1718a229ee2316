// TCP connect to each candidate of the metadata service with a short timeout; the tcp hop judged from the attempts.
import { connect } from 'node:net';
import { parseBase } from '../net/endpoints.js';
import { fail, pass, type Hop } from './types.js';

interface ConnectAttempt {
  base: string;
  /** host:port as connected to, e.g. "169.254.169.254:80" or "[fe80::a9fe:a9fe%eth0]:80". */
  address: string;
  /** Null when it connected; else the errno code (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH...). */
  error: string | null;
}

export type Connector = (host: string, port: number, timeoutMs: number) => Promise<string | null>;

/** Connects and closes at once; resolves to null or the error code. */
const tcpConnect: Connector = (host, port, timeoutMs) =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: string | null): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('ETIMEDOUT'));
    socket.once('connect', () => done(null));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });

/** Tries every base at once. */
export async function connectAll(bases: readonly string[], timeoutMs: number, connector: Connector = tcpConnect): Promise<ConnectAttempt[]> {
  return Promise.all(
    bases.map(async (base) => {
      const parsed = parseBase(base);
      const url = new URL(parsed.origin);
      const port = url.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(url.port);
      const address = parsed.connectHost.includes(':') ? `[${parsed.connectHost}]:${port}` : `${parsed.connectHost}:${port}`;
      return { base, address, error: await connector(parsed.connectHost, port, timeoutMs) };
    }),
  );
}

/** What each error means for the path to the metadata service. */
const WHY: Record<string, { short: string; why: string }> = {
  ECONNREFUSED: {
    short: 'refused',
    why: "nothing listens there: is the metadata proxy running? (neutron-metadata-agent, and the haproxy in the network's qdhcp or qrouter namespace)",
  },
  ETIMEDOUT: { short: 'timed out', why: 'packets are dropped on the way: a security group, the gateway, or no metadata proxy on the router' },
  EHOSTUNREACH: { short: 'host unreachable', why: 'nothing on the link answers for that address (ARP or neighbour discovery fails)' },
  ENETUNREACH: { short: 'network unreachable', why: 'no route for that address after all' },
};

/** pass when any candidate connected (the first such is the one the next hops use). */
export function tcpHop(attempts: readonly ConnectAttempt[]): Hop {
  const shown = attempts.map((a) => `${a.address} ${a.error === null ? 'connected' : (WHY[a.error]?.short ?? a.error)}`).join(', ');
  if (attempts.some((attempt) => attempt.error === null)) return pass('tcp', shown);
  const first = attempts[0]?.error ?? '';
  return fail('tcp', 'unreachable', `${shown}: ${WHY[first]?.why ?? `cannot connect (${first})`}`);
}

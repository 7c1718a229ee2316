// The emulator's HTTP side: listens on each address, answers through the service, applies faults, logs, stops gracefully.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MdctlError, quote } from '../core/errors.js';
import type { AccessLog } from './accesslog.js';
import type { FaultRule, Faults } from './faults.js';
import { plainAddress } from './identity.js';
import type { MetadataService, ServiceAnswer } from './service.js';
import { TEXT_PLAIN } from './webob.js';

interface ServerOptions {
  service: MetadataService;
  faults: Faults;
  log?: AccessLog;
  /** IPv4 or IPv6 addresses, IPv6 link-local with a zone (fe80::1%eth0); brackets allowed. */
  addresses: string[];
  /** 0 picks a free port (the same one for every address). */
  port: number;
}

export interface RunningServer {
  urls: string[];
  /** Stop listening, let requests in flight finish (up to a second), then close every connection. */
  stop(): Promise<void>;
}

/** Request bodies are kept up to this size (the password needs 1020 bytes); the rest is read and dropped. */
const BODY_KEEP = 64 * 1024;
const STOP_GRACE_MS = 1000;

/** "[fe80::1%eth0]" or "fe80::1%eth0" -> "fe80::1%eth0"; undefined when it is not an IP address. */
export function parseListenAddress(value: string): string | undefined {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const [base, zone, extra] = bare.split('%');
  if (base === undefined || extra !== undefined) return undefined;
  if (zone !== undefined) return isIP(base) === 6 && /^[A-Za-z0-9_.:-]+$/.test(zone) ? bare : undefined;
  return isIP(base) === 0 ? undefined : bare;
}

/** http://127.0.0.1:8775, http://[::1]:8775, http://[fe80::a9fe:a9fe%25veth0]:80 */
export function urlFor(address: string, port: number): string {
  return address.includes(':') ? `http://[${address.replace('%', '%25')}]:${port}` : `http://${address}:${port}`;
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** What to do about each listen error. */
const LISTEN_HINTS: Record<string, string> = {
  EADDRINUSE: 'another program, perhaps another mdctl serve, has the port: pick another with --port N, or --port 0 for a free one',
  EACCES: 'ports below 1024 need root (or CAP_NET_BIND_SERVICE): run as root, or pick --port 1024 or above',
};

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available (is it assigned to an interface here?)',
  EACCES: 'permission denied',
  EINVAL: 'invalid address',
};

function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const why = LISTEN_ERRORS[error.code ?? ''] ?? (error.code ?? error.message).toLowerCase();
      const hint = LISTEN_HINTS[error.code ?? ''];
      reject(new MdctlError('ERR_IO', `serve: cannot listen on ${hostPort(address, port)}: ${why}`, { cause: error, ...(hint === undefined ? {} : { hint }) }));
    };
    server.once('error', onError);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound !== null ? bound.port : port);
    });
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    req.on('data', (chunk: Buffer) => {
      if (kept < BODY_KEEP) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

function headersOf(req: IncomingMessage): Record<string, string[] | undefined> {
  return req.headersDistinct as Record<string, string[] | undefined>;
}

/** The answer a fault gives instead of the service's, when it replaces the whole response. */
function replacement(fault: FaultRule): ServiceAnswer | undefined {
  if (fault.redirect !== undefined) {
    return {
      status: fault.status ?? 302,
      contentType: fault.contentType ?? TEXT_PLAIN,
      body: Buffer.from(fault.body ?? ''),
      headers: { Location: fault.redirect },
      instance: null,
    };
  }
  if (fault.body !== undefined) {
    return { status: fault.status ?? 200, contentType: fault.contentType ?? TEXT_PLAIN, body: Buffer.from(fault.body), instance: null };
  }
  return undefined;
}

class Exchange {
  private readonly started = performance.now();
  private readonly time = new Date().toISOString();
  private readonly abort = new AbortController();
  private logged = false;

  constructor(
    private readonly options: ServerOptions,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly path: string,
    private readonly fault: FaultRule | undefined,
  ) {
    res.on('close', () => this.abort.abort());
  }

  /** Log once, just before the last bytes go out, so a client that got its answer finds the line. */
  private logOnce(status: number | null, instance: string | null): void {
    if (this.logged) return;
    this.logged = true;
    this.options.log?.write({
      time: this.time,
      method: this.req.method ?? '',
      path: this.path,
      status,
      remote: plainAddress(this.req.socket.remoteAddress ?? ''),
      duration_ms: Math.round(performance.now() - this.started),
      instance,
      fault: this.fault?.label ?? null,
    });
  }

  private reset(status: number | null, instance: string | null): void {
    this.logOnce(status, instance);
    this.req.socket.resetAndDestroy();
  }

  async run(body: Buffer): Promise<void> {
    const fault = this.fault;
    try {
      if (fault?.delayMs !== undefined) await sleep(fault.delayMs, undefined, { signal: this.abort.signal });
      if (fault?.reset === 'before') {
        this.reset(null, null);
        return;
      }
      const answer =
        (fault === undefined ? undefined : replacement(fault)) ??
        this.options.service.handle({
          method: this.req.method ?? 'GET',
          path: this.path,
          headers: headersOf(this.req),
          remote: this.req.socket.remoteAddress ?? '',
          body,
        });
      const status = fault?.redirect === undefined ? (fault?.status ?? answer.status) : answer.status;
      this.res.writeHead(status, {
        'Content-Type': fault?.contentType ?? answer.contentType,
        'Content-Length': String(answer.body.length),
        ...answer.headers,
      });
      await this.sendBody(status, answer);
    } catch (error) {
      if (!this.abort.signal.aborted) throw error;
      this.logOnce(this.res.headersSent ? this.res.statusCode : null, null);
    }
  }

  private async sendBody(status: number, answer: ServiceAnswer): Promise<void> {
    const fault = this.fault;
    const isHead = this.req.method === 'HEAD';
    let body = isHead ? Buffer.alloc(0) : answer.body;
    let ending: 'end' | 'close' | 'reset' = 'end';
    if (!isHead && fault?.reset === 'middle') {
      body = body.subarray(0, Math.floor(body.length / 2));
      ending = 'reset';
    } else if (!isHead && fault?.truncate !== undefined && fault.truncate < body.length) {
      body = body.subarray(0, fault.truncate);
      ending = 'close';
    }
    if (fault?.drip !== undefined && body.length > 0) {
      const chunk = Math.max(1, Math.round(fault.drip / 10));
      const interval = (chunk * 1000) / fault.drip;
      let offset = 0;
      for (; offset + chunk < body.length; offset += chunk) {
        this.res.write(body.subarray(offset, offset + chunk));
        await sleep(interval, undefined, { signal: this.abort.signal });
      }
      body = body.subarray(offset);
    }
    this.logOnce(status, answer.instance);
    if (ending === 'end') {
      this.res.end(body);
      return;
    }
    this.res.write(body, () => {
      if (ending === 'reset') this.req.socket.resetAndDestroy();
      else this.req.socket.destroy();
    });
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const servers: Server[] = [];
  const urls: string[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const fault = options.faults.take(req.method ?? 'GET', path);
    void readBody(req)
      .then((body) => new Exchange(options, req, res, path, fault).run(body))
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': TEXT_PLAIN });
        res.end(`500 Internal Server Error\n\n${quote(error instanceof Error ? error.message : String(error))}\n`);
      });
  };
  let port = options.port;
  try {
    for (const address of options.addresses) {
      const server = createServer(onRequest);
      servers.push(server);
      port = await listen(server, address, port);
      urls.push(urlFor(address, port));
    }
  } catch (error) {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    throw error;
  }
  return {
    urls,
    async stop() {
      const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const server of servers) server.closeIdleConnections();
      const grace = setTimeout(() => {
        for (const server of servers) server.closeAllConnections();
      }, STOP_GRACE_MS);
      await Promise.all(closed);
      clearTimeout(grace);
    },
  };
}

// Test helper: a metadata server that answers whatever a test scripts, logging every request and how many ran at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Deadline } from '../../src/core/deadline.js';
import { createClient } from '../../src/net/http.js';
import { readMetadata, type SourceSpec } from '../../src/sources/select.js';

export type Answer = string | Buffer | { status: number; body?: string | Buffer; headers?: Record<string, string> };
export type Script = (request: http.IncomingMessage) => Answer | undefined;

export interface HostileServer {
  url: string;
  /** "METHOD path" of every request, in arrival order. */
  requests: string[];
  /** The most requests that were open at the same time. */
  peakConcurrency(): number;
  close(): Promise<void>;
}

/** Serves `script`'s answers on loopback; undefined from the script is a 404. */
export async function hostileServer(script: Script): Promise<HostileServer> {
  const requests: string[] = [];
  let open = 0;
  let peak = 0;
  const server = http.createServer((request, response) => {
    requests.push(`${request.method ?? ''} ${request.url ?? ''}`);
    open += 1;
    peak = Math.max(peak, open);
    response.on('close', () => (open -= 1));
    // Answer on the next turn so concurrent requests overlap.
    setImmediate(() => {
      const answer = script(request) ?? { status: 404, body: '404 Not Found' };
      if (typeof answer === 'string' || Buffer.isBuffer(answer)) {
        response.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end(answer);
      } else {
        response.writeHead(answer.status, answer.headers ?? { 'content-type': 'text/plain; charset=UTF-8' }).end(answer.body ?? '');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    peakConcurrency: () => peak,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const UUID = '83679162-1378-4288-a2d4-70e13ec132aa';
export const VERSION = '2020-10-14';

/** An OpenStack tree at one version whose files are `files` (name -> body); everything else is 404. */
export function openstackTree(files: Record<string, string | Buffer>): Script {
  return (request) => {
    const path = request.url ?? '';
    if (path === '/openstack') return `2012-08-10\n${VERSION}\nlatest`;
    if (path === `/openstack/${VERSION}`) return Object.keys(files).join('\n');
    const prefix = `/openstack/${VERSION}/`;
    return path.startsWith(prefix) && Object.hasOwn(files, path.slice(prefix.length)) ? files[path.slice(prefix.length)] : undefined;
  };
}

/** `{"a": ... {"a": 1} ...}` with `levels` objects. */
export function nestedJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** The servers of one test file: serve() starts one; closeAll() (in after()) stops them all. */
export function serverPool(): { serve(script: Script): Promise<HostileServer>; closeAll(): Promise<void> } {
  const servers: HostileServer[] = [];
  return {
    async serve(script) {
      const server = await hostileServer(script);
      servers.push(server);
      return server;
    },
    async closeAll() {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** readMetadata against one base URL: no route discovery, no config drive, a 10 s deadline. */
export function crawl(base: string, spec: SourceSpec = { kind: 'auto' }): ReturnType<typeof readMetadata> {
  return readMetadata({
    spec,
    candidates: () => Promise.resolve([base]),
    clientFactory: () => Promise.resolve(createClient),
    deadline: new Deadline(10_000),
    root: '/nonexistent',
    probeConfigDrive: false,
    log: () => {},
  });
}


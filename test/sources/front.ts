// Test helper: fronts that forward to the emulator (the Neutron metadata agent signing requests, a recorder, a TLS terminator), and a closed port.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export const PROXY_INSTANCE_ID = '795fed3a-431a-4b89-bd80-ffac22196e72';
export const PROXY_TENANT_ID = 'feaf6d4b8b8745fb9c955389675ef5d5';

export interface Front {
  url: string;
  close(): Promise<void>;
}

export interface FrontOptions {
  /** The loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** Serve https with this key and certificate. */
  tls?: { key: Buffer; cert: Buffer };
}

/**
 * A pass-through front on loopback that forwards every request to `target` with the headers
 * `headersFor` returns (e.g. a proxy's signed headers, or the request's own while recording it).
 */
export async function forwardingFront(
  target: string,
  headersFor: (request: http.IncomingMessage) => http.OutgoingHttpHeaders,
  options: FrontOptions = {},
): Promise<Front> {
  const upstream = new URL(target);
  const host = options.host ?? '127.0.0.1';
  const handler = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: headersFor(request) },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  };
  const server = options.tls === undefined ? http.createServer(handler) : https.createServer(options.tls, handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Adds X-Instance-ID, X-Tenant-ID, X-Forwarded-For and the hex HMAC-SHA256 signature of the instance id made with `secret`. */
export function signingFront(target: string, secret: string): Promise<Front> {
  return forwardingFront(target, (request) => ({
    ...request.headers,
    'x-instance-id': PROXY_INSTANCE_ID,
    'x-tenant-id': PROXY_TENANT_ID,
    'x-instance-id-signature': createHmac('sha256', secret).update(PROXY_INSTANCE_ID).digest('hex'),
    'x-forwarded-for': '192.168.0.233',
  }));
}

/** A loopback port nothing listens on: bind, read the port, close. */
export async function closedPort(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

// Which instance a request is for: by remote address (or X-Forwarded-For), or by Neutron's signed proxy headers.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Fixture, Instance } from './fixture.js';
import { errorPage, type Answer } from './webob.js';

/** Request headers by lower-case name; a header sent several times has several values. */
export type Headers = Record<string, string[] | undefined>;

type Identity = { instance: Instance; address: string } | { answer: Answer };

/** One header as a WSGI server hands it to Nova: repeated headers joined with ",". */
function header(headers: Headers, name: string): string | undefined {
  const values = headers[name];
  return values === undefined || values.length === 0 ? undefined : values.join(',');
}

/** An IPv4 peer seen through an IPv6 socket (::ffff:a.b.c.d) is a.b.c.d. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** Neutron's signature: hex HMAC-SHA256 of the instance id keyed with the shared secret. */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId, 'utf8').digest('hex');
}

function signatureMatches(secret: string, instanceId: string, signature: string): boolean {
  const expected = Buffer.from(signInstanceId(secret, instanceId));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Without proxy mode: the instance owning the address, else the fixture's default instance. */
function byAddress(fixture: Fixture, remote: string, headers: Headers, accept: string | undefined): Identity {
  const forwarded = header(headers, 'x-forwarded-for')?.split(',')[0]?.trim();
  const address = plainAddress(forwarded === undefined || forwarded === '' ? remote : forwarded);
  const instance =
    fixture.instances.find((i) => i.fixedAddresses.includes(address)) ??
    fixture.instances.find((i) => i.uuid === fixture.defaultInstance);
  return instance === undefined ? { answer: errorPage(404, accept) } : { instance, address };
}

/** Proxy mode, in Nova's order: the three headers (400), the signature (403), instance and tenant (404). */
function byProxyHeaders(fixture: Fixture, secret: string, remote: string, headers: Headers, accept: string | undefined): Identity {
  const instanceId = header(headers, 'x-instance-id');
  const tenantId = header(headers, 'x-tenant-id');
  const signature = header(headers, 'x-instance-id-signature');
  let missing: string | undefined;
  if (instanceId === undefined) missing = 'X-Instance-ID header is missing from request.';
  else if (signature === undefined) missing = 'X-Instance-ID-Signature header is missing from request.';
  else if (tenantId === undefined) missing = 'X-Tenant-ID header is missing from request.';
  if (missing !== undefined || instanceId === undefined || signature === undefined || tenantId === undefined) {
    return { answer: errorPage(400, accept, missing) };
  }
  if (signature === '' || !signatureMatches(secret, instanceId, signature)) {
    return { answer: errorPage(403, accept, 'Invalid proxy request signature.') };
  }
  const instance = fixture.instances.find((i) => i.uuid === instanceId);
  if (instance === undefined || instance.projectId !== tenantId) return { answer: errorPage(404, accept) };
  const forwarded = header(headers, 'x-forwarded-for');
  return { instance, address: plainAddress(forwarded ?? remote) };
}

export function identify(
  fixture: Fixture,
  proxySecret: string | undefined,
  remote: string,
  headers: Headers,
): Identity {
  const accept = header(headers, 'accept');
  return proxySecret === undefined
    ? byAddress(fixture, remote, headers, accept)
    : byProxyHeaders(fixture, proxySecret, remote, headers, accept);
}

// The metadata service without sockets: one request in, Nova's answer out (routing, identity, password state).
import { randomBytes } from 'node:crypto';
import { ec2Lookup, ec2VersionList } from './ec2.js';
import { MAX_PASSWORD, type Fixture, type Instance } from './fixture.js';
import { identify, type Headers } from './identity.js';
import { PASSWORD, openstackLookup, openstackVersions } from './openstack.js';
import { isoDate } from './versions.js';
import { TEXT_HTML, errorPage, type Answer } from './webob.js';

export interface ServiceRequest {
  method: string;
  /** The request path as sent, without the query string. */
  path: string;
  headers: Headers;
  /** The peer address of the connection. */
  remote: string;
  body: Buffer;
}

export interface ServiceAnswer extends Answer {
  /** uuid of the instance that answered, or null. */
  instance: string | null;
}

interface ServiceOptions {
  /** Proxy mode: identify by Neutron's signed headers with this shared secret. */
  proxySecret?: string;
  /** The clock deciding which versions are in the future. */
  now?: () => Date;
  randomBytes?: (size: number) => Buffer;
}

/** Python's posixpath.normpath: "." and ".." resolved, repeated "/" collapsed, two leading "/" kept. */
export function normpath(path: string): string {
  if (path === '') return '.';
  const initial = path.startsWith('/') ? (path.startsWith('//') && !path.startsWith('///') ? 2 : 1) : 0;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (initial === 0 && parts.length === 0) || parts[parts.length - 1] === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  return '/'.repeat(initial) + parts.join('/') || '.';
}

/** Percent-decode the path as the WSGI server does; malformed escapes stay as they are. */
function decodePath(raw: string): string {
  const withoutOrigin = raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  try {
    return decodeURIComponent(withoutOrigin);
  } catch {
    return withoutOrigin;
  }
}

/** Nova's routing tokens: ["openstack", ...], or ["ec2", ...] for everything else ("/" is ["ec2"]). */
export function routeTokens(path: string): string[] {
  const normal = normpath(path.startsWith('/') ? path : `/${path}`);
  const tokens = normal.split('/').slice(1);
  if (tokens[0] === 'ec2' || tokens[0] === 'openstack') return tokens;
  return tokens[0] === '' ? ['ec2'] : ['ec2', ...tokens];
}

export class MetadataService {
  private readonly passwords = new Map<string, string>();
  private readonly now: () => Date;
  private readonly random: (size: number) => Buffer;

  constructor(
    readonly fixture: Fixture,
    private readonly options: ServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.random = options.randomBytes ?? randomBytes;
    for (const instance of fixture.instances) {
      if (instance.password !== null) this.passwords.set(instance.uuid, instance.password);
    }
  }

  handle(request: ServiceRequest): ServiceAnswer {
    const path = decodePath(request.path);
    const accept = request.headers.accept?.join(',');
    if (normpath(path) === '/') return { ...ec2VersionList(), instance: null };
    const identity = identify(this.fixture, this.options.proxySecret, request.remote, request.headers);
    if ('answer' in identity) return { ...identity.answer, instance: null };
    const { instance, address } = identity;
    const answer = this.lookup(instance, address, routeTokens(path));
    if (answer === PASSWORD) return { ...this.passwordFile(request, instance, accept), instance: instance.uuid };
    return { ...(answer ?? errorPage(404, accept)), instance: instance.uuid };
  }

  private lookup(instance: Instance, address: string, tokens: string[]): Answer | typeof PASSWORD | undefined {
    const [root, ...rest] = tokens;
    if (root === 'openstack') {
      if (this.fixture.ec2Only) return undefined;
      if (rest.length === 0) return openstackVersions(this.fixture, isoDate(this.now()));
      return openstackLookup(this.fixture, instance, rest, { randomBytes: this.random });
    }
    if (rest.length === 0) return ec2VersionList();
    return ec2Lookup(instance, rest, address);
  }

  /** nova/api/metadata/password.py: GET reads, POST sets once (409 after), at most 1020 bytes. */
  private passwordFile(request: ServiceRequest, instance: Instance, accept: string | undefined): Answer {
    const current = this.passwords.get(instance.uuid);
    if (request.method === 'GET') {
      return { status: 200, contentType: TEXT_HTML, body: Buffer.from(current ?? '') };
    }
    if (request.method !== 'POST') return errorPage(400, accept, 'GET and POST only are supported.');
    if (current !== undefined) return errorPage(409, accept);
    if (request.body.length > MAX_PASSWORD) return errorPage(400, accept, 'Request is too large.');
    const password = request.body.toString('utf8');
    if (password !== '') this.passwords.set(instance.uuid, password);
    return { status: 200, contentType: TEXT_HTML, body: Buffer.alloc(0) };
  }
}

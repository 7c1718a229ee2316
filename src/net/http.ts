// The metadata HTTP client: got (loaded lazily) over one keep-alive agent, no proxy, same-origin redirects only, capped bodies, retries inside the deadline.
import http from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { MdctlError, isMdctlError, quote } from '../core/errors.js';
import { parseRetryAfter, retry, type Outcome, type Verdict } from '../core/retry.js';
import { parseBase, type ParsedBase } from './endpoints.js';
import type { ClientOptions, HttpResponse, MetadataClient, RequestOptions } from './types.js';

type Got = (typeof import('got'))['default'];

let gotModule: Promise<Got> | undefined;

/** got costs ~80 ms to import; only a request pays for it. */
function loadGot(): Promise<Got> {
  gotModule ??= import('got').then((module) => module.default);
  return gotModule;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_ATTEMPT_TIMEOUT_MS = 5000;
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** An agent that connects to the zoned address (fe80::a9fe:a9fe%eth0) while URLs and Host carry the bare one. */
class ZonedAgent extends http.Agent {
  constructor(
    private readonly connectHost: string,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    return super.createConnection({ ...options, host: this.connectHost }, callback);
  }
}

interface Agents {
  http?: http.Agent;
  https?: https.Agent;
}

/** The one keep-alive agent of a client, in got's `agent` shape. */
function createAgents(parsed: ParsedBase, base: string): Agents {
  const options: http.AgentOptions = { keepAlive: true };
  if (parsed.protocol === 'https:') {
    if (parsed.zone !== null) {
      throw new MdctlError('ERR_USAGE', `endpoint ${quote(base)}: https with an IPv6 zone is not supported`);
    }
    // node:https (and with it tls and crypto, ~5 ms) is loaded only for an https endpoint.
    const { Agent } = createRequire(import.meta.url)('node:https') as typeof https;
    return { https: new Agent(options) };
  }
  return { http: parsed.zone === null ? new http.Agent(options) : new ZonedAgent(parsed.connectHost, options) };
}

/** A path as is when it is plain printable ASCII, else quoted so it cannot break the one-line message. */
function printable(path: string): string {
  return /^[\x21-\x7e]*$/.test(path) && path.length <= 200 ? path : quote(path);
}

function plural(tries: number): string {
  return tries === 1 ? '1 try' : `${tries} tries`;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const CAUSES: Record<string, string> = {
  ETIMEDOUT: 'timed out',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  EPIPE: 'connection closed',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed before the body ended',
};

/**
 * The codes of a TLS certificate the client refused (Node's X509 verification errors, and a
 * name that does not match): trying again cannot change the answer.
 */
const CERTIFICATE_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** Parse errors of a response that ended early: a cut connection, which a new try may not meet. */
const TRUNCATED_CODES = new Set(['HPE_INVALID_EOF_STATE', 'HPE_CLOSED_CONNECTION']);

interface Refusal {
  code: 'ERR_REJECTED' | 'ERR_BAD_CONTENT';
  why: string;
  hint?: string;
}

/**
 * A transport error that says the other side will never answer acceptably, so that trying again
 * cannot help: a TLS certificate the client refused, or an answer that is not HTTP at all.
 */
function refusalOf(error: unknown, origin: string): Refusal | undefined {
  const code = errorCode(error) ?? '';
  if (CERTIFICATE_CODES.has(code)) {
    return {
      code: 'ERR_REJECTED',
      why: `the TLS certificate of ${quote(origin)} was refused: ${describe(error)}`,
      hint: "a CA that is not the system's can be added with NODE_EXTRA_CA_CERTS",
    };
  }
  if (code === 'EPROTO' && /wrong version number/.test(error instanceof Error ? error.message : '')) {
    return { code: 'ERR_REJECTED', why: `${quote(origin)} does not speak TLS: the port answers in plain HTTP (EPROTO)`, hint: 'use http:// for this endpoint' };
  }
  if (code.startsWith('HPE_') && !TRUNCATED_CODES.has(code)) return { code: 'ERR_BAD_CONTENT', why: `the answer is not valid HTTP: ${describe(error)}` };
  return undefined;
}

/** A short cause for a transport error, e.g. "connection refused (ECONNREFUSED)". */
function describe(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const suffix = code === undefined ? '' : ` (${code})`;
  if (message === 'The server aborted pending request') return `connection closed before the body ended${suffix}`;
  if (code !== undefined && CAUSES[code] !== undefined) return `${CAUSES[code]}${suffix}`;
  return `${message}${suffix}`;
}

/** Shortcut for transport failures that did not come from got (deadline already passed). */
function timeoutError(): Error {
  return Object.assign(new Error('deadline passed'), { code: 'ETIMEDOUT' });
}

interface Attempt {
  method: 'GET' | 'PUT' | 'POST';
  /** "GET /path" as the caller asked, for messages. */
  what: string;
  /** The path requested on the origin: the base's path prefix plus `path`, or a redirect's target. */
  target: string;
  headers: Record<string, string>;
  body: string | undefined;
  maxBytes: number;
}

class Client implements MetadataClient {
  private readonly parsed: ParsedBase;
  /** The base's scheme and authority as given (zone included), for HttpResponse.url. */
  private readonly shownOrigin: string;
  private readonly agents: Agents;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(
    readonly base: string,
    private readonly options: ClientOptions,
  ) {
    this.parsed = parseBase(base);
    this.shownOrigin = /^[a-z]+:\/\/[^/]*/i.exec(base)?.[0] ?? this.parsed.origin;
    this.agents = createAgents(this.parsed, base);
  }

  async request(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const attempt: Attempt = {
      method: options.method ?? 'GET',
      what: `${options.method ?? 'GET'} ${printable(path)}`,
      target: `${this.parsed.pathPrefix}${path.startsWith('/') ? '' : '/'}${path}`,
      headers: { ...this.options.headers, ...options.headers },
      body: options.body,
      maxBytes: options.maxBytes ?? this.options.maxBytes ?? DEFAULT_MAX_BYTES,
    };
    const retrying = options.retry !== false;
    const { deadline } = this.options;
    // The last failure that was not a timeout: what kept mdctl trying, if the deadline cuts the last try short.
    let cause: unknown;
    const result = await retry((tryNumber) => this.follow(attempt, tryNumber), {
      deadline,
      classify: (outcome) => {
        if (!outcome.ok && errorCode(outcome.error) !== 'ETIMEDOUT') cause = outcome.error;
        return retrying ? this.classify(outcome) : { retry: false };
      },
      sleep: (ms) => this.sleep(ms),
      random: this.options.random,
    });
    const { what } = attempt;
    if (result.outcome.ok) {
      const response = result.outcome.value;
      if (result.stop === 'done') return response;
      const retryAfter =
        result.stop === 'retry-after' ? ` (Retry-After ${quote(response.headers['retry-after'])} ends past the deadline)` : '';
      throw new MdctlError('ERR_UNREACHABLE', `${what}: HTTP ${response.status}${retryAfter} after ${plural(result.tries)}`, {
        hint: 'the service answered with an error; safe to retry later',
      });
    }
    const error = result.outcome.error;
    if (isMdctlError(error)) throw error;
    if (this.closed) throw new MdctlError('ERR_UNREACHABLE', `${what}: aborted (client closed)`, { cause: error });
    const refusal = refusalOf(error, this.shownOrigin);
    if (refusal !== undefined) throw new MdctlError(refusal.code, `${what}: ${refusal.why}`, { cause: error, hint: refusal.hint });
    // A last try the deadline cut short says less than the failure that kept mdctl trying.
    const reported = errorCode(error) === 'ETIMEDOUT' && deadline.expired && cause !== undefined ? cause : error;
    const code = errorCode(reported) === 'ETIMEDOUT' ? 'ERR_TIMEOUT' : 'ERR_UNREACHABLE';
    const last = reported === error ? '' : ', the last cut short by the deadline';
    throw new MdctlError(code, `${what}: ${describe(reported)} after ${plural(result.tries)}${last}`, { cause: error });
  }

  close(): void {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    this.agents.http?.destroy();
    this.agents.https?.destroy();
  }

  private classify(outcome: Outcome<HttpResponse>): Verdict {
    if (this.closed) return { retry: false };
    if (!outcome.ok) return { retry: !isMdctlError(outcome.error) && refusalOf(outcome.error, this.shownOrigin) === undefined };
    const { status, headers } = outcome.value;
    // 501 Not Implemented says the service lacks the method (an EC2 service without IMDSv2's PUT): no try can change it.
    if ((status < 500 && status !== 408 && status !== 429) || status === 501) return { retry: false };
    if (status !== 429 && status !== 503) return { retry: true };
    const header = headers['retry-after'];
    const afterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, Date.now());
    return afterMs === null ? { retry: true } : { retry: true, afterMs };
  }

  /** Sleep between tries; close() cuts it short. */
  private async sleep(ms: number): Promise<void> {
    await this.track(async (signal) => {
      if (this.options.sleep === undefined) {
        await delay(ms, undefined, { signal }).catch(() => undefined);
        return;
      }
      await Promise.race([
        this.options.sleep(ms),
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
    });
  }

  private async track<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      return await run(controller.signal);
    } finally {
      this.inFlight.delete(controller);
    }
  }

  /** One try: the request and any same-origin redirects it leads to. */
  private async follow(attempt: Attempt, tryNumber: number): Promise<HttpResponse> {
    let current = attempt;
    for (let hop = 0; ; hop += 1) {
      const response = await this.once(current, tryNumber);
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.status) || typeof location !== 'string') return response;
      const target = this.sameOrigin(current, location);
      if (hop + 1 > MAX_REDIRECTS) {
        throw new MdctlError('ERR_REDIRECT', `${attempt.what}: more than ${MAX_REDIRECTS} redirects`);
      }
      const method = response.status === 303 ? 'GET' : current.method;
      current = { ...current, method, target, body: method === 'GET' ? undefined : current.body };
    }
  }

  /** The path of a redirect target on our own origin; ERR_REDIRECT for any other origin. */
  private sameOrigin(from: Attempt, location: string): string {
    const { what } = from;
    let target: URL;
    try {
      target = new URL(location, `${this.parsed.origin}${from.target}`);
    } catch {
      throw new MdctlError('ERR_REDIRECT', `${what}: redirect to an invalid location ${quote(location)}`);
    }
    if (target.origin !== this.parsed.origin) {
      throw new MdctlError('ERR_REDIRECT', `${what}: redirect to another host refused: ${quote(target.href)}`, {
        hint: 'mdctl follows redirects on the metadata service itself only',
      });
    }
    return `${target.pathname}${target.search}`;
  }

  /** Tells the observer, if any, about one exchange that started at `started` (epoch ms). */
  private observe(attempt: Attempt, started: number, outcome: { status: number | null; bytes: number; error?: string }): void {
    this.options.observe?.({
      step: 'http',
      at: new Date(started).toISOString(),
      ms: Date.now() - started,
      method: attempt.method,
      endpoint: this.shownOrigin,
      path: attempt.target,
      ...outcome,
    });
  }

  /** One HTTP exchange over the agent, streaming the body and stopping as soon as it passes the cap. */
  private async once(attempt: Attempt, tryNumber: number): Promise<HttpResponse> {
    if (this.closed) throw new MdctlError('ERR_UNREACHABLE', `${attempt.what}: aborted (client closed)`);
    const got = await loadGot();
    const remaining = this.options.deadline.remaining();
    if (remaining === 0) throw timeoutError();
    const timeoutMs = Math.max(1, Math.min(this.options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS, remaining));
    const url = `${this.parsed.origin}${attempt.target}`;
    const shown = `${this.shownOrigin}${attempt.target}`;
    const started = Date.now();
    let received = 0;
    const response = await this.track(
      (signal) =>
        new Promise<HttpResponse>((resolve, reject) => {
          const stream = got.stream(url, {
            method: attempt.method,
            headers: { 'user-agent': 'mdctl', ...attempt.headers },
            body: attempt.method === 'GET' ? undefined : (attempt.body ?? ''),
            agent: this.agents,
            retry: { limit: 0 },
            throwHttpErrors: false,
            followRedirect: false,
            decompress: false,
            timeout: { request: timeoutMs },
            signal,
          });
          const chunks: Buffer[] = [];
          let size = 0;
          let status = 0;
          let headers: HttpResponse['headers'] = {};
          let settled = false;
          const fail = (error: unknown): void => {
            if (settled) return;
            settled = true;
            stream.destroy();
            reject(error);
          };
          const tooLarge = (): MdctlError =>
            new MdctlError(
              'ERR_BODY_TOO_LARGE',
              `${attempt.what}: body larger than ${attempt.maxBytes} bytes refused`,
            );
          stream.on('response', (incoming: http.IncomingMessage) => {
            status = incoming.statusCode ?? 0;
            headers = incoming.headers;
            const length = Number(incoming.headers['content-length']);
            if (Number.isFinite(length) && length > attempt.maxBytes) fail(tooLarge());
          });
          stream.on('data', (chunk: Buffer) => {
            size += chunk.length;
            received = size;
            if (size > attempt.maxBytes) fail(tooLarge());
            else chunks.push(chunk);
          });
          stream.on('error', fail);
          stream.on('end', () => {
            if (settled) return;
            settled = true;
            resolve({ status, headers, body: Buffer.concat(chunks, size), url: shown });
          });
        }),
    ).catch((error: unknown) => {
      const why = isMdctlError(error) ? error.message : describe(error);
      this.options.log?.(`${attempt.method} ${shown} (try ${tryNumber}): ${why}`);
      this.observe(attempt, started, { status: null, bytes: received, error: why });
      throw error;
    });
    this.options.log?.(`${attempt.method} ${shown} (try ${tryNumber}): ${response.status} in ${Date.now() - started} ms`);
    this.observe(attempt, started, { status: response.status, bytes: response.body.length });
    return response;
  }
}

/** A client bound to one base URL (an IPv6 zone written `%25zone`) over one keep-alive agent. */
export function createClient(base: string, options: ClientOptions): MetadataClient {
  return new Client(base, options);
}

// The metadata HTTP client's interface, as sources use it (implemented in net/http.ts).
import type { Deadline } from '../core/deadline.js';
import type { StepObserver } from '../core/timeline.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The final URL (after a same-host redirect). */
  url: string;
}

export interface RequestOptions {
  method?: 'GET' | 'PUT' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Refuse a body larger than this (ERR_BODY_TOO_LARGE); default from ClientOptions. */
  maxBytes?: number;
  /** Retry connection errors, 5xx but 501, 408 and 429 inside the deadline (default true). */
  retry?: boolean;
}

export interface ClientOptions {
  deadline: Deadline;
  /** Default body cap in bytes (1 MiB). */
  maxBytes?: number;
  /** Timeout of one attempt in milliseconds (capped by the deadline). */
  attemptTimeoutMs?: number;
  /** Extra headers on every request (e.g. an IMDSv2 token). */
  headers?: Record<string, string>;
  /** Debug log of requests. */
  log?: (message: string) => void;
  /** Hears every HTTP exchange (each try, each redirect hop) for the boot report. */
  observe?: StepObserver;
  /** Injected for tests: sleep between retries, randomness for jitter. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * A client bound to one base URL over one keep-alive agent. request() returns the
 * response for any status it does not retry (2xx, 4xx but 408/429, 501); it throws an
 * MdctlError for transport failures after retries (ERR_UNREACHABLE/ERR_TIMEOUT),
 * a redirect to another host (ERR_REDIRECT) and an oversized body (ERR_BODY_TOO_LARGE).
 */
export interface MetadataClient {
  readonly base: string;
  request(path: string, options?: RequestOptions): Promise<HttpResponse>;
  /** Aborts requests in flight and closes the agent's sockets. */
  close(): void;
}

// Typed errors with stable codes; the CLI turns them into one-line messages and exit codes.

/** Exit statuses shared by every command (DESIGN.md section 3). */
export const Exit = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  PARTIAL: 3,
  UNREACHABLE: 4,
  REJECTED: 5,
  /** Ctrl-C (SIGINT) while mdctl worked, as a shell reports a command the signal ended. */
  INTERRUPTED: 130,
} as const;
export type ExitStatus = (typeof Exit)[keyof typeof Exit];

/** Every error code mdctl throws, and the exit status it maps to. */
const EXIT_BY_CODE = {
  /** Bad flags, arguments, fixture or config file. */
  ERR_USAGE: Exit.USAGE,
  ERR_CONFIG: Exit.USAGE,
  ERR_FIXTURE: Exit.USAGE,
  /** No route, no answer, a timeout, the deadline passed: safe to retry. */
  ERR_NO_ROUTE: Exit.UNREACHABLE,
  ERR_UNREACHABLE: Exit.UNREACHABLE,
  ERR_TIMEOUT: Exit.UNREACHABLE,
  /** The service refused, or answered in a way mdctl refuses. */
  ERR_REJECTED: Exit.REJECTED,
  ERR_FORBIDDEN: Exit.REJECTED,
  ERR_BODY_TOO_LARGE: Exit.REJECTED,
  ERR_REDIRECT: Exit.REJECTED,
  ERR_BAD_CONTENT: Exit.REJECTED,
  ERR_INVALID_METADATA: Exit.REJECTED,
  ERR_VALIDATION_FAILED: Exit.REJECTED,
  /** Metadata was read but at least one applier failed. */
  ERR_PARTIAL: Exit.PARTIAL,
  /** Everything else. */
  ERR_NO_SUCH_KEY: Exit.FAILURE,
  ERR_PERMISSION: Exit.FAILURE,
  ERR_INVALID_VALUE: Exit.FAILURE,
  ERR_UNSAFE_PATH: Exit.FAILURE,
  ERR_IO: Exit.FAILURE,
  ERR_EXEC: Exit.FAILURE,
  ERR_LOCKED: Exit.FAILURE,
  ERR_PLUGIN: Exit.FAILURE,
  ERR_FAILED: Exit.FAILURE,
} as const satisfies Record<string, ExitStatus>;

export type ErrorCode = keyof typeof EXIT_BY_CODE;

interface MdctlErrorOptions {
  /** What the user can do about it; printed after the message. */
  hint?: string;
  cause?: unknown;
}

/**
 * The one error type library code throws. `message` reads "<what failed>: <why>";
 * `code` is stable and decides the exit status.
 */
export class MdctlError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: MdctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MdctlError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitStatus(): ExitStatus {
    return EXIT_BY_CODE[this.code];
  }
}

export function isMdctlError(value: unknown): value is MdctlError {
  return value instanceof MdctlError;
}

/** The exit status for anything thrown: MdctlError by its code, anything else is a failure. */
export function exitStatusOf(error: unknown): ExitStatus {
  return isMdctlError(error) ? error.exitStatus : Exit.FAILURE;
}

/**
 * Make a value safe to quote in a one-line message: control characters escaped,
 * long values cut. Hostile metadata must never break the message format.
 */
export function quote(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/**
 * Anything thrown (or a message) as one printable line: a line break or control character, with
 * the blanks around it, becomes one space. Never empty, and never throws, whatever a plugin threw.
 */
export function oneLine(value: unknown): string {
  let text: string;
  try {
    text = value instanceof Error ? String(value.message) : String(value);
  } catch {
    text = `a ${typeof value} that cannot be shown`;
  }
  const line = text.replace(/\s*[\p{Cc}\u2028\u2029][\s\p{Cc}]*/gu, ' ').trim();
  return line === '' ? 'failed without a message' : line;
}

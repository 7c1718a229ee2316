// Everything mdctl prints goes through here: data on stdout, messages on stderr, colour and spinner policy.
import type { ChalkInstance } from 'chalk';
import type { Ora } from 'ora';
import { Exit } from '../core/errors.js';

interface OutputOptions {
  json?: boolean;
  yaml?: boolean;
  quiet?: boolean;
  color?: boolean;
  debug?: boolean;
}

interface Spinner {
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

/** Characters a terminal acts on instead of showing: C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides. */
const CONTROLS = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from the metadata made safe for a terminal: every control character becomes a visible
 * escape (`\n`, `\x1b`, `\u2028`), so an ESC sequence or a newline in a value can neither drive
 * the terminal nor fake a line. With `keepNewlines`, "\n" stays a line break (multi-line messages).
 */
export function escapeControls(text: string, keepNewlines = false): string {
  return text.replace(CONTROLS, (char) => {
    if (keepNewlines && char === '\n') return char;
    const code = char.charCodeAt(0);
    return NAMED[char] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** Values larger than this (as compact JSON) print compact, not indented. */
const PRETTY_LIMIT = 256 * 1024;

const NO_SPINNER: Spinner = { succeed() {}, fail() {}, stop() {} };

export class Output {
  readonly json: boolean;
  readonly yaml: boolean;
  readonly quiet: boolean;
  readonly debugging: boolean;
  /** Colour on stdout: a terminal, and allowed. */
  readonly colorEnabled: boolean;
  /** No --no-color, NO_COLOR or TERM=dumb. */
  private readonly colorAllowed: boolean;
  private chalkInstance: ChalkInstance | undefined;

  constructor(
    options: OutputOptions,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.json = options.json === true;
    this.yaml = options.yaml === true && !this.json;
    this.quiet = options.quiet === true;
    this.debugging = options.debug === true;
    this.colorAllowed = options.color !== false && this.env.NO_COLOR === undefined && this.env.TERM !== 'dumb';
    this.colorEnabled = this.colorAllowed && this.stdout.isTTY === true;
  }

  /** Whether stdout carries machine-readable data (JSON or YAML) only. */
  get structured(): boolean {
    return this.json || this.yaml;
  }

  /** chalk, loaded on first use, with colour off where the policy says so. */
  async chalk(): Promise<ChalkInstance> {
    if (this.chalkInstance === undefined) {
      const { Chalk } = await import('chalk');
      this.chalkInstance = new Chalk({ level: this.colorEnabled ? 1 : 0 });
    }
    return this.chalkInstance;
  }

  /** Raw text on stdout, newline added when missing. */
  data(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A value on stdout as JSON, or YAML with --yaml. */
  async value(value: unknown): Promise<void> {
    const compact = JSON.stringify(value) ?? 'null';
    // Indentation repeats on every line: a deeply nested value would print many times its size.
    const pretty = compact.length <= PRETTY_LIMIT;
    if (this.yaml) {
      const { dump } = await import('js-yaml');
      this.stdout.write(dump(value, { noRefs: true, lineWidth: -1, ...(pretty ? {} : { flowLevel: 0 }) }));
      return;
    }
    this.stdout.write(`${pretty ? JSON.stringify(value, null, 2) : compact}\n`);
  }

  /** A human message on stderr, unless --quiet. Messages carry values from the metadata: controls are escaped. */
  info(message: string): void {
    if (!this.quiet) this.stderr.write(`${escapeControls(message, true)}\n`);
  }

  warn(message: string): void {
    this.stderr.write(`mdctl: warning: ${escapeControls(message)}\n`);
  }

  error(message: string): void {
    this.stderr.write(`mdctl: ${escapeControls(message)}\n`);
  }

  debug(message: string): void {
    if (this.debugging) this.stderr.write(`mdctl: debug: ${escapeControls(message)}\n`);
  }

  /**
   * A spinner on stderr, only when stderr is an interactive terminal and colour is allowed (no
   * --no-color, NO_COLOR or TERM=dumb: then mdctl writes no escape sequence at all), never in CI
   * and never with --json/--yaml/--quiet. It animates whatever stdout is.
   */
  async spinner(text: string): Promise<Spinner> {
    // A terminal that reports no width (some serial consoles) makes ora redraw endlessly.
    const interactive = this.stderr.isTTY === true && (this.stderr.columns ?? 0) > 0 && this.colorAllowed;
    if (this.structured || this.quiet || !interactive || this.env.CI !== undefined) return NO_SPINNER;
    const { default: ora } = await import('ora');
    // ora's default discardStdin puts the terminal in raw mode, where Ctrl-C is a byte, not a signal.
    const spinner: Ora = ora({ text, stream: this.stderr, color: 'cyan', isEnabled: true, discardStdin: false }).start();
    // Ctrl-C stops at once: the terminal gets its cursor back, and nothing more is done or written.
    const interrupt = (): void => {
      spinner.stop();
      process.exit(Exit.INTERRUPTED);
    };
    process.once('SIGINT', interrupt);
    const done = (): void => void process.removeListener('SIGINT', interrupt);
    return {
      succeed: (t) => void (done(), spinner.succeed(t)),
      fail: (t) => void (done(), spinner.fail(t)),
      stop: () => void (done(), spinner.stop()),
    };
  }
}

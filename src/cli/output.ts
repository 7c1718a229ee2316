// Everything mdctl prints goes through here: data on stdout, messages on stderr, colour and spinner policy.
import type { ChalkInstance } from 'chalk';
import type { Ora } from 'ora';

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

  /** A human message on stderr, unless --quiet. */
  info(message: string): void {
    if (!this.quiet) this.stderr.write(`${message}\n`);
  }

  warn(message: string): void {
    this.stderr.write(`mdctl: warning: ${message}\n`);
  }

  error(message: string): void {
    this.stderr.write(`mdctl: ${message}\n`);
  }

  debug(message: string): void {
    if (this.debugging) this.stderr.write(`mdctl: debug: ${message}\n`);
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
    const spinner: Ora = ora({ text, stream: this.stderr, color: 'cyan', isEnabled: true }).start();
    return {
      succeed: (t) => void spinner.succeed(t),
      fail: (t) => void spinner.fail(t),
      stop: () => void spinner.stop(),
    };
  }
}

// What `mdctl boot` says on stderr (the journal) while it waits for the metadata service.
import type { CommandContext } from './context.js';
import { sourceName } from './fetch-request.js';

/** While it retries, boot says so this often. */
const PROGRESS_EVERY_MS = 10_000;

/**
 * Boot's word on stderr (the journal) while it waits: where, which attempt, how long, the last
 * error; at the first failure, then every PROGRESS_EVERY_MS, not at every try.
 */
export class WaitingReport {
  attempt = 1;
  lastError = 'no answer yet';
  private readonly started = Date.now();
  private saidAt = -Infinity;
  private readonly timer = setInterval(() => this.sayAgain(), 1000);

  constructor(private readonly ctx: CommandContext<object>) {}

  /** The HTTP client's log: each try's outcome is the freshest error while an attempt runs. */
  log(message: string): void {
    this.ctx.out.debug(message);
    const answered = / (\d{3}) in \d+ ms$/.exec(message);
    // A try that got an answer below 500 is no error to report.
    if (!/\(try \d+\): /.test(message) || (answered !== null && Number(answered[1]) < 500)) return;
    this.lastError = message.split('\n')[0] ?? message;
    if (this.saidAt < 0) this.say();
  }

  failed(why: string): void {
    this.lastError = why;
    if (this.saidAt < 0) this.say();
  }

  private sayAgain(): void {
    if (Date.now() - this.saidAt >= PROGRESS_EVERY_MS) this.say();
  }

  private say(): void {
    this.saidAt = Date.now();
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(0);
    this.ctx.out.info(`waiting for the metadata service at ${sourceName(this.ctx.opts)}: attempt ${this.attempt}, ${elapsed} s elapsed (${this.lastError})`);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

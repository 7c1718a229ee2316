// An overall deadline shared by every request of one run, with an injectable clock.

type Clock = () => number;

export class Deadline {
  readonly expiresAt: number;

  constructor(
    readonly totalMs: number,
    private readonly now: Clock = Date.now,
  ) {
    this.expiresAt = now() + totalMs;
  }

  /**
   * A deadline counted from the start of the process, so `--timeout 3` means three seconds of
   * wall time whatever Node's start-up and module loading cost.
   */
  static fromProcessStart(totalMs: number): Deadline {
    const spent = Date.now() - performance.timeOrigin;
    return new Deadline(Math.max(0, totalMs - spent));
  }

  /** Milliseconds left, never negative. */
  remaining(): number {
    return Math.max(0, this.expiresAt - this.now());
  }

  get expired(): boolean {
    return this.remaining() === 0;
  }
}

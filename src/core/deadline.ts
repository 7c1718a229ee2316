// An overall deadline shared by every request of one run, with an injectable clock.

export type Clock = () => number;

export class Deadline {
  readonly expiresAt: number;

  constructor(
    readonly totalMs: number,
    private readonly now: Clock = Date.now,
  ) {
    this.expiresAt = now() + totalMs;
  }

  /** Milliseconds left, never negative. */
  remaining(): number {
    return Math.max(0, this.expiresAt - this.now());
  }

  get expired(): boolean {
    return this.remaining() === 0;
  }
}

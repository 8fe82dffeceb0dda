import type { Clock } from '../common/clock/clock';

/** The two levels a failure streak is told at. */
export interface StreakLogger {
  error(message: string): void;
  log(message: string): void;
}

/**
 * Tells a streak of repeated failures (a loop's passes while the database is down) without a
 * line per failure: the first failure is logged at once, then at most one line per `everyMs`
 * saying how many failures went unlogged since, and one line when a success ends the streak.
 * Several loops polling through a database outage otherwise write tens of lines a second,
 * burying what an operator needs to read. Time comes from the domain clock.
 */
export class FailureStreakLog {
  /** failures in the current streak; 0 when the last attempt succeeded */
  private failures = 0;
  private unlogged = 0;
  private lastLineAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: StreakLogger,
    private readonly clock: Clock,
    private readonly everyMs = 30_000,
  ) {}

  failed(message: string): void {
    this.failures += 1;
    const now = this.clock.now().getTime();
    if (this.failures > 1 && now - this.lastLineAt < this.everyMs) {
      this.unlogged += 1;
      return;
    }
    const since = this.unlogged > 0 ? ` (${this.unlogged} more failures since the last line)` : '';
    this.logger.error(`${message}${since}`);
    this.lastLineAt = now;
    this.unlogged = 0;
  }

  succeeded(): void {
    if (this.failures === 0) return;
    if (this.failures > 1) this.logger.log(`recovered after ${this.failures} failures in a row`);
    this.failures = 0;
    this.unlogged = 0;
    this.lastLineAt = Number.NEGATIVE_INFINITY;
  }
}

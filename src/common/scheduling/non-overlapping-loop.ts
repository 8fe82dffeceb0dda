import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

/**
 * A configurable interval that only delegates and never overlaps itself: a tick while the last
 * pass still runs is skipped. Registered with Nest's SchedulerRegistry at bootstrap because the
 * period comes from config (0 = off; tests drive the work by hand). Mutual exclusion between
 * instances is the database's job (SKIP LOCKED claims, leases), not this class's.
 */
export class NonOverlappingLoop {
  private running: Promise<void> | null = null;
  private readonly logger: Logger;

  constructor(
    /** the interval's name in the SchedulerRegistry */
    private readonly name: string,
    /** what a pass is, in log lines: "dispatch", "inbox" */
    private readonly label: string,
    private readonly registry: SchedulerRegistry,
    private readonly work: () => Promise<unknown>,
  ) {
    this.logger = new Logger(name);
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.registry.addInterval(
      this.name,
      setInterval(() => this.run(), intervalMs),
    );
  }

  /** Stops the interval and waits for a running pass to finish before the pool closes. */
  async stop(): Promise<void> {
    if (this.registry.getIntervals().includes(this.name)) this.registry.deleteInterval(this.name);
    await this.running;
  }

  run(): void {
    if (this.running) return;
    this.running = this.work()
      .then(() => undefined)
      .catch((error: unknown) => {
        // Only the error's message: passes quote no patient data in their errors.
        this.logger.error(
          `${this.label} pass failed: ${error instanceof Error ? error.message : 'error'}`,
        );
      })
      .finally(() => {
        this.running = null;
      });
  }
}

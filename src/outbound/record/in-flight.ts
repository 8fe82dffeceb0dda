/** Counts work that has been started and not yet settled, and lets the dispatcher wait on it. */
export class InFlight {
  private count = 0;
  private waiters: { limit: number; resolve(): void }[] = [];

  get size(): number {
    return this.count;
  }

  /** Tracks a promise until it settles; its result and errors are the caller's business. */
  track(work: Promise<unknown>): void {
    this.count += 1;
    const done = () => {
      this.count -= 1;
      this.wake();
    };
    work.then(done, done);
  }

  /** Resolves once at most `limit` remain, or after `timeoutMs`, whichever comes first. */
  async atMost(limit: number, timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.count <= limit) return;
    await new Promise<void>((resolve) => {
      const waiter = { limit, resolve: () => undefined as void };
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => finish(), timeoutMs) : null;
      const finish = () => {
        if (timer) clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      waiter.resolve = finish;
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.filter((w) => this.count <= w.limit)) waiter.resolve();
  }
}

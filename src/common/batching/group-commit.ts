/** An output meaning "this item failed": only its own caller sees the error. */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

interface Pending<I, O> {
  item: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
  /** `now()` when it joined the queue (this time round) */
  queuedAt: number;
  /** calls carrying it that failed */
  failures: number;
}

export interface GroupCommitOptions<I> {
  /** calls running at once (default 2) */
  maxInFlight?: number;
  /** items in one call at most (default 500) */
  maxBatch?: number;
  /**
   * With no call in flight, wait up to `ms` after the oldest item for others to join it, unless
   * `atLeast` are waiting; `now` is the milliseconds it is measured in. Without it an idle caller
   * is served at once.
   */
  gather?: { ms: number; atLeast: number; now: () => number };
  /** a call beyond the first starts only for a full batch (`maxBatch` waiting) */
  moreOnlyWhenFull?: boolean;
  /**
   * A call failed for the `failures`th time: how long to wait before its items go round again,
   * and which of them do (the others are rejected). Without it, every item is rejected at once.
   */
  retry?: (items: I[], failures: number) => { inMs: number; again: I[] };
}

/**
 * Group commit: many concurrent single-item database calls become few multi-item ones. At most
 * `maxInFlight` calls run at once; items submitted meanwhile wait and go together in the next
 * call, at most `maxBatch` to a call. By default an idle caller is served at once: batching
 * then never waits on a timer, it only forms under load, exactly when the per-call cost (a round
 * trip, a commit) would otherwise cap throughput; `gather` trades a few milliseconds for fewer
 * calls. A call that fails rejects every item it carried (or retries them, `retry`); an
 * ItemFailure in its answer rejects that item alone. Used for the inbox's inserts (one in
 * flight: a commit each), the webhooks' sender lookups and the outbound outcomes.
 */
export class GroupCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  /** calls that failed and wait to go round again */
  private retrying = 0;
  private gathering: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly maxInFlight: number;
  private readonly maxBatch: number;

  constructor(
    /** answers each item, in order; an ItemFailure rejects that item alone */
    private readonly run: (items: I[]) => Promise<(O | ItemFailure)[]>,
    private readonly options: GroupCommitOptions<I> = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 500;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.enqueue([{ item, resolve, reject, queuedAt: 0, failures: 0 }]);
    });
  }

  /** Resolves when everything submitted so far is answered (or has failed for good). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0 && this.retrying === 0;
  }

  private enqueue(pending: Pending<I, O>[]): void {
    const at = this.options.gather?.now() ?? 0;
    for (const p of pending) this.queue.push({ ...p, queuedAt: at });
    this.flush();
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      if (this.inFlight > 0 && this.options.moreOnlyWhenFull && this.queue.length < this.maxBatch) {
        return;
      }
      if (this.inFlight === 0 && !this.gathered()) return;
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.execute(batch).finally(() => {
        this.inFlight -= 1;
        this.flush();
        if (this.isIdle()) this.idleWaiters.splice(0).forEach((wake) => wake());
      });
    }
  }

  /** Whether the queue may go now; if not, a timer comes back when the oldest has waited enough. */
  private gathered(): boolean {
    const gather = this.options.gather;
    if (!gather) return true;
    const waitMs = this.queue[0].queuedAt + gather.ms - gather.now();
    if (this.queue.length >= gather.atLeast || waitMs <= 0) {
      if (this.gathering !== null) clearTimeout(this.gathering);
      this.gathering = null;
      return true;
    }
    this.gathering ??= setTimeout(() => {
      this.gathering = null;
      this.flush();
    }, waitMs);
    return false;
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const outputs = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const output = outputs[i];
        if (output instanceof ItemFailure) p.reject(output.error);
        else p.resolve(output);
      });
    } catch (error: unknown) {
      this.failed(batch, error);
    }
  }

  private failed(batch: Pending<I, O>[], error: unknown): void {
    const failures = Math.max(...batch.map((p) => p.failures)) + 1;
    const { inMs, again } = this.options.retry?.(
      batch.map((p) => p.item),
      failures,
    ) ?? { inMs: 0, again: [] };
    const retried = batch.filter((p) => again.includes(p.item));
    for (const p of batch) if (!retried.includes(p)) p.reject(error);
    if (retried.length === 0) return;
    this.retrying += 1;
    setTimeout(() => {
      this.retrying -= 1;
      this.enqueue(retried.map((p) => ({ ...p, failures })));
    }, inMs);
  }
}

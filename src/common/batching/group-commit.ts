/** An output meaning "this item failed": only its own caller sees the error. */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

interface Pending<I, O> {
  item: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: many concurrent single-item database calls become few multi-item ones. At most
 * `maxInFlight` calls run at once; items submitted meanwhile wait and go together in the next
 * call, at most `maxBatch` to a call. An idle caller is served at once: batching never waits on
 * a timer, it only forms under load, exactly when the per-call cost (a round trip, a commit)
 * would otherwise cap throughput. A call that fails rejects every item it carried; an
 * ItemFailure in its answer rejects that item alone. Used for the inbox's inserts (one in
 * flight: a commit each) and the webhooks' sender lookups.
 */
export class GroupCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;

  constructor(
    /** answers each item, in order; an ItemFailure rejects that item alone */
    private readonly run: (items: I[]) => Promise<(O | ItemFailure)[]>,
    private readonly maxInFlight = 2,
    private readonly maxBatch = 500,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.execute(batch).finally(() => {
        this.inFlight -= 1;
        this.flush();
      });
    }
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
      for (const p of batch) p.reject(error);
    }
  }
}

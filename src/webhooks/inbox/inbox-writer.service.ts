import { Injectable } from '@nestjs/common';
import { MicroBatcher } from '../micro-batcher';
import type { InboxWrite, InboxWriteOutcome } from './inbox-event';
import { inboxKey, InboxRepository } from './inbox.repository';

/**
 * Group commit for the inbox. A webhook is acknowledged only once its event is committed, and a
 * commit waits for the disk; webhooks arriving meanwhile share the next commit instead of each
 * paying for their own, so the acknowledged rate is not capped by commits per second.
 */
@Injectable()
export class InboxWriter {
  private readonly batcher = new MicroBatcher<InboxWrite, InboxWriteOutcome>((writes) =>
    this.store(writes),
  );

  constructor(private readonly inbox: InboxRepository) {}

  /** Resolves once the event is durably stored (or found already stored, or refused stale). */
  write(write: InboxWrite): Promise<InboxWriteOutcome> {
    return this.batcher.submit(write);
  }

  private async store(writes: InboxWrite[]): Promise<InboxWriteOutcome[]> {
    // A provider's retry can arrive while its first delivery waits here: only one is inserted.
    const firsts = new Map<string, InboxWrite>();
    for (const write of writes) {
      const key = inboxKey(write);
      if (!firsts.has(key)) firsts.set(key, write);
    }
    // In key order, so two batches racing on the same keys lock them in the same order.
    const unique = [...firsts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, w]) => w);
    const outcomes = await this.inbox.insertMany(unique);
    const byWrite = new Map(unique.map((write, i) => [write, outcomes[i]]));
    return writes.map((write) => {
      const first = firsts.get(inboxKey(write))!;
      const outcome = byWrite.get(first)!;
      return first === write || outcome !== 'stored' ? outcome : 'duplicate';
    });
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { DueSignals } from '../../common/due-work/due-signals';
import { storableDeep } from '../../common/text/storable-text';
import { ItemFailure, GroupCommit } from '../../common/batching/group-commit';
import { INBOX_WORK, type InboxWrite, type InboxWriteOutcome } from './inbox-event';
import { inboxKey, InboxRepository } from './inbox.repository';

const WAKE = DueSignals.wake(INBOX_WORK);

/**
 * Group commit for the inbox. A webhook is acknowledged only once its event is committed, and a
 * commit waits for the disk; webhooks arriving meanwhile share the next commit instead of each
 * paying for their own, so the acknowledged rate is not capped by commits per second.
 */
@Injectable()
export class InboxWriter {
  private readonly logger = new Logger('Inbox');
  /**
   * One insert in flight at a time: the webhooks arriving while it commits share the next one.
   * (With two, a steady 100-200 webhooks/s found one free almost every time and paid a commit
   * each.)
   */
  private readonly batcher = new GroupCommit<InboxWrite, InboxWriteOutcome>(
    (writes) => this.store(writes),
    { maxInFlight: 1 },
  );

  constructor(private readonly inbox: InboxRepository) {}

  /** Resolves once the event is durably stored (or found already stored, or refused stale). */
  write(write: InboxWrite): Promise<InboxWriteOutcome> {
    // A patient's text may hold what PostgreSQL cannot store (NUL, a lone surrogate): replaced
    // one for one, so the message is kept rather than refused, with its length unchanged.
    return this.batcher.submit({ ...write, event: storableDeep(write.event) });
  }

  private async store(writes: InboxWrite[]): Promise<(InboxWriteOutcome | ItemFailure)[]> {
    // A provider's retry can arrive while its first delivery waits here: only one is inserted.
    const firsts = new Map<string, InboxWrite>();
    for (const write of writes) {
      const key = inboxKey(write);
      if (!firsts.has(key)) firsts.set(key, write);
    }
    // In key order, so two batches racing on the same keys lock them in the same order.
    const unique = [...firsts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, w]) => w);
    // The insert wakes the inbox loops (any instance) as it commits; should the notification be
    // lost, the inbox's poll still finds the events.
    const outcomes = await this.insertEach(unique);
    const byWrite = new Map(unique.map((write, i) => [write, outcomes[i]]));
    return writes.map((write) => {
      const first = firsts.get(inboxKey(write))!;
      const outcome = byWrite.get(first)!;
      return first === write || outcome !== 'stored' ? outcome : 'duplicate';
    });
  }

  /**
   * One statement for all; should the database refuse it, each event is tried alone, so one
   * clinic's unstorable event fails only its own webhook, never its neighbours'.
   */
  private async insertEach(writes: InboxWrite[]): Promise<(InboxWriteOutcome | ItemFailure)[]> {
    try {
      return await this.inbox.insertMany(writes, WAKE);
    } catch (error: unknown) {
      if (writes.length === 1) return [new ItemFailure(error)];
      this.logger.warn(`an inbox batch of ${writes.length} was refused; storing one by one`);
    }
    const outcomes: (InboxWriteOutcome | ItemFailure)[] = [];
    for (const write of writes) {
      try {
        outcomes.push(...(await this.inbox.insertMany([write], WAKE)));
      } catch (error: unknown) {
        outcomes.push(new ItemFailure(error));
      }
    }
    return outcomes;
  }
}

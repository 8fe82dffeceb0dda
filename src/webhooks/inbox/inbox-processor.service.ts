import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { retryDelayMs, type BackoffPolicy } from '../../common/due-work/backoff';
import { DueWork } from '../../common/due-work/due-work';
import { INSTANCE_ID } from '../../common/instance/instance-id';
import { WebhookMetrics } from '../webhooks.metrics';
import { InboundEventProcessor, InboundItem } from './inbound-event.processor';
import { INBOX_WORK, type InboxRow } from './inbox-event';
import { InboxRepository } from './inbox.repository';
import { NotYetError } from './not-yet.error';
import { StatusEventProcessor } from './status-event.processor';

/** Events one worker claims at a time: small, so a claimed text waits little for its turn. */
const BATCH_SIZE = 30;
/** Status callbacks settled per transaction: one commit (one disk flush) for all of them. */
const CHUNK_SIZE = 100;
/**
 * Patients' texts settled per transaction. A text's answer reaches the send pipeline when its
 * transaction commits, and its locks (the appointment, the clinic's report rows) are held
 * until then: a text shares its commit with none but a few others.
 */
const INBOUND_CHUNK_SIZE = 10;
/**
 * Workers of a pass at most, claiming and settling chunks side by side; the rest of the pool
 * stays free for acks.
 */
const CONCURRENCY = 3;
/**
 * Attempts, 1 s doubling to 64 s: about two minutes of retries, then the event is dead (for
 * operators). An attempt counts when it ends in an error; a claim whose processor died holding
 * the event in a batch does not. An event some processor died holding is attempted alone, and
 * that attempt is counted before it runs: an event that kills whoever processes it is dead after
 * 8 such attempts, and its batch neighbours, never attempted with it again, are not.
 */
const MAX_ATTEMPTS = 8;
const INBOX_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 300_000 };
/** Replays after this long are still harmless (see InboxRepository.purgeProcessed). */
const KEEP_PROCESSED_MS = 7 * 24 * 3600_000;
const PURGE_EVERY_MS = 3600_000;
const PURGE_LIMIT = 10_000;

interface Failure {
  row: InboxRow;
  error: unknown;
}

/**
 * Processes the webhook inbox: claims due events and applies them, a chunk per transaction with
 * a savepoint per event, so one event's failure is rolled back and retried alone.
 */
@Injectable()
export class InboxProcessor {
  private readonly logger = new Logger('WebhookInbox');
  private nextPurgeAt = 0;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly inbox: InboxRepository,
    private readonly clock: Clock,
    private readonly inbound: InboundEventProcessor,
    private readonly status: StatusEventProcessor,
    private readonly metrics: WebhookMetrics,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The loop's pass: everything due now, now and then forget old processed events; returns
   * when the next event is due.
   */
  @DueWork({ name: 'webhook-inbox', kinds: [INBOX_WORK], poll: 'inboxIntervalMs' })
  async work(): Promise<Date | null> {
    // The next due time is read as of the pass's start: an event falling due while the drain
    // ran (or a little after a timer fired early) is then due, not forgotten until the poll.
    const began = this.clock.now();
    await this.drain();
    const now = this.clock.now().getTime();
    if (now >= this.nextPurgeAt) {
      this.nextPurgeAt = now + PURGE_EVERY_MS;
      await this.inbox.purgeProcessed(new Date(now - KEEP_PROCESSED_MS), PURGE_LIMIT);
    }
    return this.inbox.nextDue(began);
  }

  /**
   * Processes batches until no event is due (or `maxBatches` were claimed); returns events
   * claimed. A claimed batch is cut into chunks (a transaction each) in one queue that every
   * worker of the pass takes from: a chunk waits for a free worker, never behind its batch
   * neighbours' chunks. The pass starts with one worker; a worker starts another (up to
   * CONCURRENCY) for each chunk left waiting and when its claim came back full (more is
   * due); a worker that finds the queue empty claims the next batch, and one whose claim
   * comes back empty ends. A short batch is not the end of the pass: settling a
   * conversation's oldest event frees its next one, claimed by whichever worker is left.
   */
  async drain(maxBatches = 50): Promise<number> {
    let total = 0;
    let batches = 0;
    const waiting: InboxRow[][] = [];
    const workers = new Set<Promise<void>>();
    const errors: unknown[] = [];
    const worker = async (): Promise<void> => {
      for (;;) {
        const chunk = waiting.shift();
        if (chunk) {
          for (let i = 0; i < waiting.length; i += 1) spawn();
          await this.settleChunk(chunk);
          continue;
        }
        if (batches >= maxBatches) return;
        batches += 1;
        const { claimed, chunks } = await this.claimChunks(BATCH_SIZE);
        if (claimed === 0) return;
        total += claimed;
        waiting.push(...chunks);
        if (claimed === BATCH_SIZE) spawn();
      }
    };
    const spawn = (): void => {
      if (workers.size >= CONCURRENCY) return;
      const running: Promise<void> = worker()
        .catch((error: unknown) => void errors.push(error))
        .finally(() => workers.delete(running));
      workers.add(running);
    };
    spawn();
    while (workers.size > 0) await Promise.all([...workers]);
    // A claim that failed (the database away): the chunks other workers held are settled or
    // left to their lease; the loop's pass reports the failure.
    if (errors.length > 0) throw errors[0];
    return total;
  }

  /** Claims one batch and settles it, a chunk at a time; returns how many events were claimed. */
  async runOnce(limit = BATCH_SIZE): Promise<number> {
    const { claimed, chunks } = await this.claimChunks(limit);
    for (const chunk of chunks) await this.settleChunk(chunk);
    return claimed;
  }

  /**
   * Claims a batch; settles at once, each alone, the events some processor died holding, and
   * returns the others cut into chunks (a transaction each) that may be settled side by side.
   */
  private async claimChunks(limit: number): Promise<{ claimed: number; chunks: InboxRow[][] }> {
    const now = this.clock.now();
    const rows = await this.inbox.claim(
      now,
      new Date(now.getTime() + this.config.inboxLeaseMs),
      limit,
      this.instanceId,
    );
    // No two events of a conversation are claimed at once (see claim): any order is safe.
    // First, each alone: events some processor died holding (see MAX_ATTEMPTS).
    for (const row of rows.filter((r) => lostClaims(r) > 0)) await this.settleAlone(row);
    const fresh = rows.filter((r) => lostClaims(r) === 0);
    // Texts in clinic order: a text's status change locks its clinic's report rows (the
    // no-show rollup) until its chunk commits; chunks settled side by side (of this batch or
    // another) each take their clinics in one order, so they cannot deadlock on them.
    const inbound = fresh
      .filter((r) => r.event.kind === 'inbound')
      .sort((a, b) => (a.clinicId < b.clinicId ? -1 : a.clinicId > b.clinicId ? 1 : 0));
    const other = fresh.filter((r) => r.event.kind !== 'inbound');
    const chunks: InboxRow[][] = [];
    for (const [list, size] of [
      [inbound, INBOUND_CHUNK_SIZE],
      [other, CHUNK_SIZE],
    ] as const) {
      for (const chunk of evenChunks(list, size)) chunks.push(chunk);
    }
    return { claimed: rows.length, chunks };
  }

  /**
   * An event a processor died holding: its attempt is counted (committed) before it runs, in
   * its own transaction, so if it is what kills processors its attempts run out.
   */
  private async settleAlone(row: InboxRow): Promise<void> {
    const what = `inbox event ${row.id} (${row.providerType} ${row.event.kind})`;
    if (row.attempts >= MAX_ATTEMPTS) {
      const reason = `${row.attempts} attempts; its processor did not survive the last`;
      try {
        await this.inbox.markDead(row.id, reason, this.clock.now(), false);
      } catch {
        return; // the lease runs out and another pass gives it up
      }
      this.metrics.settled.inc({ kind: row.event.kind, outcome: 'dead' });
      this.logger.error(`${what} dead: ${reason}`);
      return;
    }
    try {
      if (!(await this.inbox.countAttempt(row.id, this.instanceId))) return;
    } catch {
      return; // not counted, not run: the lease runs out and another pass takes it
    }
    await this.settleChunk([{ ...row, attempts: row.attempts + 1, attemptCounted: true }]);
  }

  private async settleChunk(rows: InboxRow[]): Promise<void> {
    let failures: Failure[];
    try {
      failures = await this.ds.transaction((m) => this.applyChunk(m, rows, false));
    } catch {
      // Something in the set-based pass failed; find out which event, one savepoint each.
      try {
        failures = await this.ds.transaction((m) => this.applyChunk(m, rows, true));
      } catch (error: unknown) {
        // The commit itself failed: nothing was applied; every event is retried.
        for (const row of rows) await this.retry(row, error);
        return;
      }
    }
    for (const { row, error } of failures) this.report(row, error);
  }

  /**
   * Inbound messages go in one set-based pass (any failure there throws, and the chunk is
   * redone `oneByOne`); status callbacks each get a savepoint, since one overtaking its
   * message's commit (NotYetError) is routine.
   */
  private async applyChunk(
    m: EntityManager,
    rows: InboxRow[],
    oneByOne: boolean,
  ): Promise<Failure[]> {
    const processedAt = this.clock.now();
    // First, so a second processor of the same events waits on the row locks, then skips them.
    const owned = await this.inbox.markProcessed(
      m,
      rows.map((r) => r.id),
      processedAt,
    );
    const mine = rows.filter((r) => owned.has(r.id));
    const failures: Failure[] = [];
    const done: InboxRow[] = [];
    const inbound = mine.filter((r) => r.event.kind === 'inbound');
    if (!oneByOne && inbound.length > 0) {
      await this.inbound.process(m, inbound.map(inboundItem));
      done.push(...inbound);
    }
    for (const row of oneByOne ? mine : mine.filter((r) => r.event.kind !== 'inbound')) {
      await m.query('SAVEPOINT inbox_event');
      try {
        await this.apply(m, row);
        await m.query('RELEASE SAVEPOINT inbox_event');
        done.push(row);
      } catch (error: unknown) {
        await m.query('ROLLBACK TO SAVEPOINT inbox_event');
        await this.reschedule(m, row, error);
        failures.push({ row, error });
      }
    }
    for (const row of done) {
      this.metrics.settled.inc({ kind: row.event.kind, outcome: 'processed' });
      this.metrics.lag.observe(
        { kind: row.event.kind },
        (processedAt.getTime() - row.receivedAt.getTime()) / 1000,
      );
    }
    return failures;
  }

  private async apply(m: EntityManager, row: InboxRow): Promise<void> {
    const { event } = row;
    if (event.kind === 'inbound') {
      await this.inbound.process(m, [inboundItem(row)]);
    } else {
      await this.status.process(m, row.providerType, row.clinicId, event.update, row.receivedAt);
    }
  }

  private async retry(row: InboxRow, error: unknown): Promise<void> {
    try {
      await this.reschedule(undefined, row, error);
    } catch {
      // The lease runs out and another pass takes the event; nothing is lost.
    }
    this.report(row, error);
  }

  /** `m`: the transaction that marked the event processed; absent after that one failed. */
  private async reschedule(
    m: EntityManager | undefined,
    row: InboxRow,
    error: unknown,
  ): Promise<void> {
    const now = this.clock.now();
    const reason = describe(error);
    const count = !row.attemptCounted;
    if (failures(row) >= MAX_ATTEMPTS) {
      await this.inbox.markDead(row.id, reason, now, count, m);
      return;
    }
    const runAt = new Date(now.getTime() + retryDelay(row));
    await this.inbox.retryLater(row.id, reason, runAt, count, m);
  }

  /** After the outcome is committed. Only the error's name: its text may quote patient data. */
  private report(row: InboxRow, error: unknown): void {
    const what = `inbox event ${row.id} (${row.providerType} ${row.event.kind})`;
    if (failures(row) >= MAX_ATTEMPTS) {
      this.metrics.settled.inc({ kind: row.event.kind, outcome: 'dead' });
      this.logger.error(`${what} dead after ${failures(row)} attempts: ${errorName(error)}`);
      return;
    }
    this.metrics.settled.inc({ kind: row.event.kind, outcome: 'retry' });
    const log = `${what} attempt ${failures(row)}: ${errorName(error)}; retry in ${retryDelay(row)} ms`;
    if (error instanceof NotYetError) this.logger.debug(log);
    else this.logger.warn(log);
  }
}

function inboundItem(row: InboxRow): InboundItem {
  if (row.event.kind !== 'inbound') throw new Error(`inbox event ${row.id} is not inbound`);
  return {
    providerType: row.providerType,
    clinicId: row.clinicId,
    sms: row.event.message,
    receivedAt: row.receivedAt,
  };
}

/** Attempts once the current one has failed. */
function failures(row: InboxRow): number {
  return row.attemptCounted ? row.attempts : row.attempts + 1;
}

/** `list` cut into the fewest chunks of at most `size`, their sizes differing by one at most. */
function evenChunks<T>(list: readonly T[], size: number): T[][] {
  const count = Math.ceil(list.length / size);
  const chunks: T[][] = [];
  for (let i = 0, start = 0; i < count; i += 1) {
    const end = start + Math.ceil((list.length - start) / (count - i));
    chunks.push(list.slice(start, end));
    start = end;
  }
  return chunks;
}

/** Earlier claims that ended in neither an outcome nor a counted attempt. */
function lostClaims(row: InboxRow): number {
  return Math.max(0, row.claims - 1 - row.attempts);
}

/** No jitter (random = 1): events fail one by one, not as a herd. */
function retryDelay(row: InboxRow): number {
  return retryDelayMs(failures(row), undefined, 1, INBOX_BACKOFF);
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}

function errorName(error: unknown): string {
  if (error instanceof QueryFailedError) {
    const code = (error.driverError as { code?: string } | undefined)?.code;
    return `QueryFailedError ${code ?? ''}`.trim();
  }
  return error instanceof Error ? error.name : typeof error;
}

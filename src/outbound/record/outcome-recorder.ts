import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GroupCommit } from '../../common/batching/group-commit';
import { retryDelayMs } from '../../common/due-work/backoff';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { PatientsRepository } from '../../patients/patients.repository';
import { DispatchMetrics, type CountedOutcome } from './dispatch.metrics';
import { INSTANCE_ID } from '../../common/instance/instance-id';
import type { SendOutcome } from './outcomes';
import { appliedKey, OutcomesRepository } from './outcomes.repository';
import { Pacer } from '../send/pacer';
import { Randomness } from '../randomness';

interface Pending {
  outcome: SendOutcome;
  /** Pacer ms after which a failed write is given up (the lease may be ending) */
  giveUpAt: number;
}

/** A failed write (a database restarting) is tried again after 100-200 ms, doubling to 0.5-1 s. */
const WRITE_RETRY = { baseMs: 200, capMs: 1_000 };

/** Outcomes written in one statement at most; a larger backlog takes several. */
const MAX_PER_WRITE = 500;
/**
 * A write waits up to this long for outcomes to join it while fewer than GATHER_AT are queued:
 * in a burst, the outcomes of several waves then share one statement and one commit (each
 * costs the database its fixed part: a statement, its triggers, a commit) instead of one write
 * every few milliseconds. It adds at most this much to the time from a provider's answer to its
 * outcome's commit (the window in which a crash turns a send into a duplicate); it changes
 * nothing on the way to the provider.
 */
const GATHER_MS = 20;
const GATHER_AT = 200;
/**
 * Writes in flight at once. Two hide the latency of one; more would only split the backlog into
 * smaller statements, and each statement costs the database a plan whatever its size. The second
 * starts only when a whole write's worth is waiting (the first cannot take it all); a smaller
 * backlog waits for the write in flight and joins the next. Writing each wave's outcomes as soon
 * as they came back (20 to 30 in a burst) made six outcome statements per batch of 200 reminders
 * where one or two do. Waiting adds at most one write's time to an outcome's commit.
 */
const PARALLEL_WRITES = 2;

/**
 * Records outcomes in a transaction of their own, after the provider call, by group commit:
 * outcomes that arrive while writes are in flight go together in the next one. A send is thus
 * recorded within about one round trip of the provider's answer (the window in which a crash
 * can turn into a duplicate ends one commit after the provider's answer) without a transaction
 * per message. Each text has one outcome per claim, so writes never race each other over a row.
 */
@Injectable()
export class OutcomeRecorder {
  private readonly writes: GroupCommit<Pending, void>;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly outcomes: OutcomesRepository,
    private readonly patients: PatientsRepository,
    private readonly metrics: DispatchMetrics,
    private readonly pacer: Pacer,
    private readonly random: Randomness,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.writes = new GroupCommit<Pending, void>(
      async (batch: Pending[]) => {
        await this.write(batch.map((p) => p.outcome));
        return batch.map(() => undefined);
      },
      {
        maxInFlight: PARALLEL_WRITES,
        maxBatch: MAX_PER_WRITE,
        gather: { ms: GATHER_MS, atLeast: GATHER_AT, now: () => this.pacer.elapsedMs() },
        moreOnlyWhenFull: true,
        retry: (batch, failures) => {
          const inMs = retryDelayMs(failures, undefined, this.random.fraction(), WRITE_RETRY);
          const now = this.pacer.elapsedMs();
          return { inMs, again: batch.filter((p) => now + inMs < p.giveUpAt) };
        },
      },
    );
  }

  /** Resolves once the outcome is committed; rejects if its write failed. */
  record(outcome: SendOutcome): Promise<void> {
    // Retried within half a lease: the text is still ours then, and once the database is back
    // the outcome lands instead of the text being settled unknown and sent again.
    const giveUpAt = this.pacer.elapsedMs() + this.config.dispatchLeaseMs / 2;
    return this.writes.submit({ outcome, giveUpAt });
  }

  /** Resolves when everything recorded so far is committed (or has failed). */
  idle(): Promise<void> {
    return this.writes.idle();
  }

  private async write(outcomes: SendOutcome[]): Promise<void> {
    const optOuts = outcomes.flatMap((o) => (o.kind === 'failed' && o.optOut ? [o] : []));
    // One statement is its own transaction; an opt-out to record with it needs a real one.
    const applied =
      optOuts.length === 0
        ? await this.outcomes.apply(this.ds.manager, this.instanceId, outcomes)
        : await this.ds.transaction(async (m) => {
            const ids = await this.outcomes.apply(m, this.instanceId, outcomes);
            for (const o of optOuts) {
              const { clinicId, phone, at } = o.optOut!;
              await this.patients.optOut(m, {
                clinicId,
                phone,
                source: 'provider',
                word: o.code,
                note: 'the provider refused the text: the recipient unsubscribed',
                at,
              });
            }
            return ids;
          });
    // Counted once per kind of outcome in the write, not once per text (a label lookup each).
    const counts = new Map<string, { o: SendOutcome; outcome: CountedOutcome; n: number }>();
    for (const o of outcomes) {
      const outcome = applied.has(appliedKey(o)) ? o.kind : 'lease_lost';
      const key = `${o.messageKind} ${outcome} ${o.reminderId !== null}`;
      const count = counts.get(key);
      if (count) count.n += 1;
      else counts.set(key, { o, outcome, n: 1 });
      if (outcome === 'sent' && o.kind === 'sent') this.metrics.observeLateness(o.dueAt, o.at);
    }
    for (const { o, outcome, n } of counts.values()) {
      this.metrics.count(o.messageKind, outcome, o.reminderId !== null, n);
    }
  }
}

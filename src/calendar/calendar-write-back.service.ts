import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueWork, SAFETY_POLL_MS } from '../common/due-work/due-work';
import { wallTimeOf } from '../common/time/starts-at';
import {
  CALENDAR_WORK,
  ClaimedDelivery,
  CalendarDeliveriesRepository,
} from './calendar-deliveries.repository';
import { CalendarMetrics } from './calendar.metrics';
import { afterAttempt } from './delivery-policy';
import { CalendarStoreWriter } from './store/calendar-store-writer';

const BATCH_SIZE = 50;
/** Far longer than a call may take (the client gives up after CALENDAR_TIMEOUT_MS). */
const LEASE_MS = 60_000;
const CONCURRENCY = 8;

/**
 * Delivers the write-back outbox: claims due events (one per appointment at a time, so they
 * arrive in order), POSTs each signed over its exact body, and records the answer. Driven by
 * the due-work engine; safe with any number of instances (SKIP LOCKED claims under a lease).
 */
@Injectable()
export class CalendarWriteBack {
  private readonly logger = new Logger('CalendarWriteBack');

  constructor(
    private readonly deliveries: CalendarDeliveriesRepository,
    private readonly clock: Clock,
    private readonly metrics: CalendarMetrics,
    private readonly storeWriter: CalendarStoreWriter,
  ) {}

  /** The due-work engine's pass: everything due now, then when to look again. */
  // Every producer signals (the outbox with its event, a staff retry) and the pass returns the
  // next attempt or lease end of each appointment's first event: the loop polls only as a net.
  @DueWork({
    name: 'calendar-write-back',
    kinds: [CALENDAR_WORK],
    poll: 'dispatchIntervalMs',
    safetyPollMs: SAFETY_POLL_MS,
    minGapMs: 1_000,
  })
  async pass(): Promise<Date | null> {
    while ((await this.runOnce()) === BATCH_SIZE);
    return this.deliveries.nextDue();
  }

  /** One batch of due events; returns how many were attempted. */
  async runOnce(limit = BATCH_SIZE): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.deliveries.claim(now, new Date(now.getTime() + LEASE_MS), limit);
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) await this.attempt(claimed[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, claimed.length) }, worker));
    return claimed.length;
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    // Every store, the webhook included, is written through its adapter.
    const { ok, statusCode, error, retryAt, calendarKept } = await this.storeWriter.write({
      clinicId: d.clinic_id,
      timezone: d.timezone,
      store: d.store,
      secret: d.store_secret,
      url: d.url,
      webhookSecret: d.secret,
      body: d.body,
    });
    const now = this.clock.now();
    const record = { id: d.id, leaseUntil: d.lease_until, statusCode, error, now };
    if (calendarKept) {
      // Not written, and never retried: the calendar's own move stands (its next read applies it).
      const at = (iso: string) => clinicTime(iso, d.timezone);
      const note =
        `not written: the calendar moved it to ${at(calendarKept.calendar.startsAt)} since ` +
        `Turnout read it; the calendar's time is kept (Turnout's move was to ` +
        `${at(calendarKept.wanted.startsAt)})`;
      const kept = await this.deliveries.markConflict({ ...record, statusCode: 412, error: note });
      this.metrics.attempts.inc({ outcome: kept ? 'conflict' : 'lease_lost' });
      return;
    }
    const outcome = afterAttempt(ok, d.attempts, now, d.give_up_at, retryAt);
    const kept =
      outcome.kind === 'delivered'
        ? await this.deliveries.markDelivered(record)
        : outcome.kind === 'retry'
          ? await this.deliveries.markRetry(record, outcome.at)
          : await this.deliveries.markFailed(record);
    const label = !kept ? 'lease_lost' : outcome.kind === 'retry' ? 'retried' : outcome.kind;
    this.metrics.attempts.inc({ outcome: label });
    if (kept && outcome.kind === 'failed') {
      this.logger.warn(`calendar event ${d.id} failed after ${d.attempts} attempts: ${error}`);
    }
  }
}

/** An instant as the clinic's staff read it: "2026-12-04 11:00 America/Chicago". */
function clinicTime(iso: string, zone: string): string {
  const w = wallTimeOf(new Date(iso), zone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)} ${zone}`;
}

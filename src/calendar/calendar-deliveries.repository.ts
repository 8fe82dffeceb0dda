import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { CalendarEventType } from '../appointments/appointment.machine';
import type {
  CalendarStoreSettings,
  StoredCalendarStoreSecret,
} from '../clinics/calendar-store-settings';
import type { StoredWebhookSecret } from '../clinics/clinic.entity';
import { DueSignals } from '../common/due-work/due-signals';
import { returningRows } from '../database/returning-rows';

/** The due-work kind (and signal) of calendar delivery: the outbox and a retry notify it. */
export const CALENDAR_WORK = 'calendar';
const WAKE = DueSignals.wake(CALENDAR_WORK);

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'conflict';

export interface DeliveryWrite {
  clinicId: string;
  appointmentId: string;
  type: CalendarEventType;
  occurredAt: Date;
  /** builds the exact body from the event's id */
  body: (id: string) => string;
  giveUpAt: Date;
}

export interface ClaimedDelivery {
  id: string;
  clinic_id: string;
  body: string;
  attempts: number;
  give_up_at: Date;
  lease_until: Date;
  url: string | null;
  /** the clinic's webhook secret as stored: CredentialsVault opens it */
  secret: StoredWebhookSecret;
  timezone: string;
  /** the clinic's store when it has one: the event is written there instead of POSTed */
  store: CalendarStoreSettings | null;
  store_secret: StoredCalendarStoreSecret | null;
}

export interface DeliveryRow {
  id: string;
  appointment_id: string;
  type: string;
  occurred_at: Date;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

export interface AttemptRecord {
  id: string;
  leaseUntil: Date;
  statusCode: number | null;
  error: string | null;
  now: Date;
}

const ROW_COLUMNS = `id, appointment_id, type, occurred_at, status, attempts, next_attempt_at,
  last_attempt_at, last_status_code, last_error, delivered_at, created_at`;

/** The calendar write-back outbox: events waiting for, or done with, the clinic's receiver. */
@Injectable()
export class CalendarDeliveriesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(m: EntityManager, w: DeliveryWrite): Promise<string> {
    const id = `evt_${randomBytes(16).toString('hex')}`;
    await m.query(
      `INSERT INTO calendar_deliveries (id, clinic_id, appointment_id, type, occurred_at, body,
         next_attempt_at, give_up_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $5)`,
      [id, w.clinicId, w.appointmentId, w.type, w.occurredAt, w.body(id), w.giveUpAt],
    );
    return id;
  }

  /**
   * Due events under a lease, each the oldest still pending of its appointment (a later event
   * waits for the earlier one), skipping rows another instance is claiming right now. Counts the
   * attempt at claim time: a process that dies mid-call has still made it.
   */
  async claim(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    const result: unknown = await this.ds.query(
      `WITH due AS (
         SELECT d.id FROM calendar_deliveries d
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1
           AND (d.lease_until IS NULL OR d.lease_until <= $1)
           AND NOT EXISTS (
             SELECT 1 FROM calendar_deliveries e
             WHERE e.appointment_id = d.appointment_id AND e.status = 'pending' AND e.seq < d.seq)
         ORDER BY d.next_attempt_at, d.seq
         LIMIT $3
         FOR UPDATE OF d SKIP LOCKED)
       UPDATE calendar_deliveries d
       SET lease_until = $2, attempts = d.attempts + 1, last_attempt_at = $1
       FROM due, clinics c
       WHERE d.id = due.id AND c.id = d.clinic_id
       RETURNING d.id, d.clinic_id, d.body, d.attempts, d.give_up_at, d.lease_until,
                 c.calendar_webhook_url AS url, c.webhook_secret AS secret, c.timezone,
                 c.calendar_store AS store, c.calendar_store_secret AS store_secret`,
      [now, leaseUntil, limit],
    );
    return returningRows<ClaimedDelivery>(result);
  }

  /**
   * When the next claim can take something: the earliest next attempt (or lease end) of an event
   * first in line for its appointment. One waiting behind an earlier event is not due before it:
   * it gets its turn in the pass that settles the earlier one, which reads this again.
   */
  async nextDue(): Promise<Date | null> {
    const rows: { at: Date | null }[] = await this.ds.query(
      `SELECT min(GREATEST(d.next_attempt_at, coalesce(d.lease_until, d.next_attempt_at))) AS at
       FROM calendar_deliveries d
       WHERE d.status = 'pending'
         AND NOT EXISTS (
           SELECT 1 FROM calendar_deliveries e
           WHERE e.appointment_id = d.appointment_id AND e.status = 'pending' AND e.seq < d.seq)`,
    );
    return rows[0]?.at ?? null;
  }

  /** Only while our lease holds: an instance that lost it cannot overwrite the new owner. */
  async markDelivered(r: AttemptRecord): Promise<boolean> {
    return this.settle(r, `status = 'delivered', delivered_at = $5`, [r.now]);
  }

  async markRetry(r: AttemptRecord, at: Date): Promise<boolean> {
    return this.settle(r, `next_attempt_at = $5`, [at]);
  }

  /** Settled unwritten: the calendar's newer move stands (never retried). */
  async markConflict(r: AttemptRecord): Promise<boolean> {
    return this.settle(r, `status = 'conflict'`, []);
  }

  async markFailed(r: AttemptRecord): Promise<boolean> {
    return this.settle(r, `status = 'failed'`, []);
  }

  /** `set` may use $5 onwards, filled from `extra`. */
  private async settle(r: AttemptRecord, set: string, extra: unknown[]): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE calendar_deliveries
       SET last_status_code = $3, last_error = $4, lease_until = NULL, ${set}
       WHERE id = $1 AND status = 'pending' AND lease_until = $2
       RETURNING id`,
      [r.id, r.leaseUntil, r.statusCode, r.error, ...extra],
    );
    return returningRows(result).length > 0;
  }

  async list(
    clinicId: string,
    f: { status?: DeliveryStatus; limit: number },
  ): Promise<DeliveryRow[]> {
    const params: unknown[] = [clinicId, f.limit];
    let where = '';
    if (f.status) {
      params.push(f.status);
      where = ` AND status = $3`;
    }
    return this.ds.query(
      `SELECT ${ROW_COLUMNS} FROM calendar_deliveries
       WHERE clinic_id = $1${where} ORDER BY seq DESC LIMIT $2`,
      params,
    );
  }

  async find(clinicId: string, id: string): Promise<DeliveryRow | null> {
    const rows: DeliveryRow[] = await this.ds.query(
      `SELECT ${ROW_COLUMNS} FROM calendar_deliveries WHERE clinic_id = $1 AND id = $2`,
      [clinicId, id],
    );
    return rows[0] ?? null;
  }

  /** A failed event goes back in line for another day of attempts; null when it was not failed. */
  async retryFailed(
    clinicId: string,
    id: string,
    now: Date,
    giveUpAt: Date,
  ): Promise<DeliveryRow | null> {
    // The write-back loop is woken with it (it looks unprompted only once a minute).
    const result: unknown = await this.ds.query(
      `WITH retried AS (
         UPDATE calendar_deliveries
         SET status = 'pending', next_attempt_at = $3, give_up_at = $4
         WHERE clinic_id = $1 AND id = $2 AND status = 'failed'
         RETURNING ${ROW_COLUMNS})
       SELECT retried.* FROM retried CROSS JOIN LATERAL (SELECT pg_notify($5, $6)) woken`,
      [clinicId, id, now, giveUpAt, WAKE.channel, WAKE.payload],
    );
    return returningRows<DeliveryRow>(result)[0] ?? null;
  }
}

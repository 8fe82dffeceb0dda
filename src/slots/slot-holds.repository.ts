import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returningRows } from '../database/returning-rows';
import { namedQuery } from '../database/named-query';
import { DueSignals } from '../common/due-work/due-signals';

export interface HeldSlot {
  id: string;
  starts_at: Date;
  ends_at: Date;
  duration_minutes: number;
  location: string | null;
}

export interface HoldRequest {
  clinicId: string;
  practitioner: string;
  appointmentId: string;
  from: Date;
  to: Date;
  now: Date;
  holdUntil: Date;
  limit: number;
  /** slots not to offer again (one the patient just lost) */
  exclude: string[];
}

/** The due-work kind (and signal) of freed time: a freed slot wakes the backfill waves. */
export const FREED_TIME_WORK = 'freed-time';

export interface FreedTime {
  clinicId: string;
  appointmentId: string;
  practitioner: string;
  location: string | null;
  type?: string | null;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  /** how it came free, and when (the backfill waves start then) */
  reason?: string;
  at?: Date;
  /** how many waitlist moves led here (a cascade is bounded) */
  cascadeDepth?: number;
}

const FREED_WAKE = DueSignals.wake(FREED_TIME_WORK);

const RETURNED = 's.id, s.starts_at, s.ends_at, s.duration_minutes, s.location';

/**
 * A slot overlapping a live appointment of its practitioner is not open, whatever its row says.
 * `occupies_time` is `status NOT IN ('cancelled', 'no_show')`, stored: the overlap constraint's
 * index is on it (1795830000000-AppointmentConfirmationsStayHeapOnly).
 */
const NO_LIVE_OVERLAP = (except: string) => `NOT EXISTS (
  SELECT 1 FROM appointments a
  WHERE a.clinic_id = s.clinic_id AND a.practitioner = s.practitioner ${except}
    AND a.occupies_time
    AND tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(s.starts_at, s.ends_at, '[)'))`;

/**
 * Holds and bookings of open slots. The database decides every race: a hold or a booking is a
 * conditional UPDATE of the slot row (the second of two concurrent ones re-reads the row after
 * the first commits and no longer matches), and booked_appointment_id is unique.
 */
@Injectable()
export class SlotHoldsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Holds up to `limit` open slots of the practitioner for this appointment, soonest first, in
   * place of whatever it held before (those not held again are let go, in the same statement).
   * Slots someone else is holding or claiming right now are skipped, not waited for.
   */
  async hold(m: EntityManager, r: HoldRequest): Promise<HeldSlot[]> {
    const result: unknown = await namedQuery(
      m,
      'slot_hold',
      `WITH open AS (
         SELECT s.id FROM slots s
         WHERE s.clinic_id = $1 AND s.practitioner = $2 AND s.starts_at >= $3 AND s.starts_at < $4
           AND s.booked_appointment_id IS NULL
           AND (s.held_until IS NULL OR s.held_until <= $5 OR s.held_for_appointment_id = $6)
           AND s.id <> ALL($9::uuid[])
           AND ${NO_LIVE_OVERLAP('')}
         ORDER BY s.starts_at
         LIMIT $7
         FOR UPDATE OF s SKIP LOCKED),
       -- The earlier holds not held again (disjoint from open: no row is updated twice); the
       -- ones that are count as open above (held_for_appointment_id = $6).
       released AS (
         UPDATE slots SET held_for_appointment_id = NULL, held_until = NULL, updated_at = now()
         WHERE held_for_appointment_id = $6 AND id NOT IN (SELECT id FROM open)
         RETURNING id)
       UPDATE slots s SET held_for_appointment_id = $6, held_until = $8, updated_at = now()
       FROM open WHERE s.id = open.id
       RETURNING ${RETURNED}`,
      [
        r.clinicId,
        r.practitioner,
        r.from,
        r.to,
        r.now,
        r.appointmentId,
        r.limit,
        r.holdUntil,
        r.exclude,
      ],
    );
    return returningRows<HeldSlot>(result).sort(
      (a, b) => a.starts_at.getTime() - b.starts_at.getTime(),
    );
  }

  /** Lets go of every slot this appointment holds (a new offer, or none needed any more). */
  async release(m: EntityManager, appointmentId: string): Promise<void> {
    await namedQuery(
      m,
      'slot_release',
      `UPDATE slots SET held_for_appointment_id = NULL, held_until = NULL, updated_at = now()
       WHERE held_for_appointment_id = $1`,
      [appointmentId],
    );
  }

  /**
   * Books the slot for the appointment if it is still to be had: not booked, held by this
   * appointment or by no one (or a lapsed hold), in the future, and free of other live
   * appointments; booked, the appointment's other holds are let go in the same statement. Null
   * when the race was lost (and the holds stay).
   */
  async book(
    m: EntityManager,
    slotId: string,
    appointmentId: string,
    durationMinutes: number,
    now: Date,
  ): Promise<HeldSlot | null> {
    const result: unknown = await namedQuery(
      m,
      'slot_book',
      `WITH booked AS (
         UPDATE slots s SET booked_appointment_id = $2, booked_at = $3,
                held_for_appointment_id = NULL, held_until = NULL, updated_at = now()
         WHERE s.id = $1 AND s.booked_appointment_id IS NULL AND s.starts_at > $3
           AND (s.held_for_appointment_id IS NULL OR s.held_for_appointment_id = $2
                OR s.held_until <= $3)
           -- the appointment keeps its own length, which may differ from the slot's
           AND NOT EXISTS (
             SELECT 1 FROM appointments a
             WHERE a.clinic_id = s.clinic_id AND a.practitioner = s.practitioner AND a.id <> $2
               AND a.occupies_time
               AND tstzrange(a.starts_at, a.ends_at, '[)')
                   && tstzrange(s.starts_at, s.starts_at + make_interval(mins => $4), '[)'))
         RETURNING ${RETURNED}),
       released AS (
         UPDATE slots SET held_for_appointment_id = NULL, held_until = NULL, updated_at = now()
         WHERE held_for_appointment_id = $2 AND id <> $1 AND EXISTS (SELECT 1 FROM booked)
         RETURNING id)
       SELECT * FROM booked`,
      [slotId, appointmentId, now, durationMinutes],
    );
    return returningRows<HeldSlot>(result)[0] ?? null;
  }

  /**
   * Takes the slot for an appointment about to be made (a re-booked missed visit): let go of
   * its hold, if it is still to be had on the terms of `book` (not booked, held by `heldFor`,
   * by no one or lapsed, in the future, free of live appointments for `durationMinutes`). The
   * row stays locked until the transaction ends, so a second taker re-reads it after this one's
   * `bookFor` and no longer matches. Null when the race was lost.
   */
  async take(
    m: EntityManager,
    slotId: string,
    heldFor: string,
    durationMinutes: number,
    now: Date,
  ): Promise<(HeldSlot & { practitioner: string }) | null> {
    const result: unknown = await namedQuery(
      m,
      'slot_take',
      `UPDATE slots s SET held_for_appointment_id = NULL, held_until = NULL, updated_at = now()
       WHERE s.id = $1 AND s.booked_appointment_id IS NULL AND s.starts_at > $3
         AND (s.held_for_appointment_id IS NULL OR s.held_for_appointment_id = $2
              OR s.held_until <= $3)
         AND NOT EXISTS (
           SELECT 1 FROM appointments a
           WHERE a.clinic_id = s.clinic_id AND a.practitioner = s.practitioner
             AND a.occupies_time
             AND tstzrange(a.starts_at, a.ends_at, '[)')
                 && tstzrange(s.starts_at, s.starts_at + make_interval(mins => $4), '[)'))
       RETURNING ${RETURNED}, s.practitioner`,
      [slotId, heldFor, now, durationMinutes],
    );
    return returningRows<HeldSlot & { practitioner: string }>(result)[0] ?? null;
  }

  /** The slot `take` took is the new appointment's: booked, no more waves. */
  async bookFor(m: EntityManager, slotId: string, appointmentId: string, now: Date) {
    await namedQuery(
      m,
      'slot_book_for',
      `UPDATE slots SET booked_appointment_id = $2, booked_at = $3, next_wave_at = NULL,
              held_for_appointment_id = NULL, held_until = NULL, updated_at = now()
       WHERE id = $1`,
      [slotId, appointmentId, now],
    );
  }

  /**
   * The time an appointment leaves (cancelled or moved by the patient) becomes an open slot:
   * the slot it had booked is open again, or a new one is made for it. `keep` is the slot it
   * has just booked instead (an appointment holds one booked slot once the transaction ends).
   */
  async free(m: EntityManager, t: FreedTime, keep: string | null = null): Promise<void> {
    await namedQuery(
      m,
      'slot_unbook',
      `UPDATE slots SET booked_appointment_id = NULL, booked_at = NULL, updated_at = now()
       WHERE booked_appointment_id = $1 AND id IS DISTINCT FROM $2`,
      [t.appointmentId, keep],
    );
    // A slot at this very time (the one it had booked, now open) is marked freed instead; one
    // someone else booked meanwhile is left alone. The wake-up rides with it (sent at commit).
    await namedQuery(
      m,
      'slot_free',
      `WITH freed AS (
         INSERT INTO slots (clinic_id, practitioner, location, starts_at, ends_at, duration_minutes,
           type, freed_at, freed_reason, next_wave_at, cascade_depth)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $10)
         ON CONFLICT (clinic_id, practitioner, starts_at) DO UPDATE
           SET freed_at = EXCLUDED.freed_at, freed_reason = EXCLUDED.freed_reason,
               next_wave_at = EXCLUDED.next_wave_at, type = EXCLUDED.type,
               cascade_depth = EXCLUDED.cascade_depth, updated_at = now()
           WHERE EXCLUDED.freed_at IS NOT NULL AND slots.booked_appointment_id IS NULL
         RETURNING id)
       SELECT pg_notify($11, $12) FROM freed WHERE $8::timestamptz IS NOT NULL`,
      [
        t.clinicId,
        t.practitioner,
        t.location,
        t.startsAt,
        t.endsAt,
        t.durationMinutes,
        t.type ?? null,
        t.at ?? null,
        t.reason ?? null,
        t.cascadeDepth ?? 0,
        FREED_WAKE.channel,
        FREED_WAKE.payload,
      ],
    );
  }

  async nextHoldExpiry(): Promise<Date | null> {
    const rows: { at: Date | null }[] = await this.ds.query(
      `SELECT min(held_until) AS at FROM slots WHERE held_until IS NOT NULL`,
    );
    return rows[0]?.at ?? null;
  }

  /**
   * Due work: lapsed holds, claimed without waiting on rows another instance holds, cleared.
   * Listing and booking already treat a lapsed hold as open; this keeps the rows honest.
   */
  async expireHolds(now: Date, limit: number): Promise<number> {
    const result: unknown = await this.ds.query(
      `WITH lapsed AS (
         SELECT id FROM slots WHERE held_until <= $1
         ORDER BY held_until LIMIT $2
         FOR UPDATE SKIP LOCKED)
       UPDATE slots s SET held_for_appointment_id = NULL, held_until = NULL, updated_at = now()
       FROM lapsed WHERE s.id = lapsed.id
       RETURNING s.id`,
      [now, limit],
    );
    return returningRows(result).length;
  }
}

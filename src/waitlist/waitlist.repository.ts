import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LIVE_STATUSES } from '../appointments/appointment.machine';
import { namedQuery } from '../database/named-query';
import { returningRows } from '../database/returning-rows';
import { DueSignals } from '../common/due-work/due-signals';
import { FREED_TIME_WORK } from '../slots/slot-holds.repository';
import type { WaitlistStatus } from './dto/waitlist.dto';

const FREED_WAKE = DueSignals.wake(FREED_TIME_WORK);

export interface EntryWrite {
  clinicId: string;
  patientId: string;
  practitioner: string | null;
  location: string | null;
  type: string | null;
  durationMinutes: number | null;
  notBefore: string | null;
  notAfter: string | null;
  appointmentId: string | null;
  priority: number;
  source: 'staff' | 'patient';
  at: Date;
}

export interface EntryRow {
  id: string;
  /** waiting, booked or removed as stored; `offered` when waiting with an open offer */
  status: WaitlistStatus;
  patient_name: string | null;
  patient_phone: string;
  patient_language: 'en' | 'es';
  patient_opted_out: boolean;
  practitioner: string | null;
  location: string | null;
  type: string | null;
  duration_minutes: number | null;
  not_before: string | null;
  not_after: string | null;
  appointment_id: string | null;
  appointment_external_id: string | null;
  priority: number;
  source: 'staff' | 'patient';
  booked_appointment_id: string | null;
  created_at: Date;
  offers: {
    slot_id: string;
    starts_at: string;
    practitioner: string;
    location: string | null;
    created_at: string;
    closed_reason: string | null;
    slot_taken: boolean;
  }[];
}

/** A slot whose next wave is due, locked for this transaction. */
export interface DueSlot {
  id: string;
  clinic_id: string;
  practitioner: string;
  location: string | null;
  type: string | null;
  starts_at: Date;
  ends_at: Date;
  duration_minutes: number;
  booked: boolean;
  /**
   * a live appointment of its practitioner holds the time (staff moved one onto it, or the
   * calendar uploaded one): nothing left to offer
   */
  occupied: boolean;
  held_until: Date | null;
  waves: number;
  cascade_depth: number;
}

export interface Candidate {
  entry_id: string;
  patient_id: string;
  phone: string;
  language: 'en' | 'es';
  timezone: string | null;
}

/** The newest open waitlist offer of a patient, with its slot and entry. */
export interface OpenOffer {
  id: string;
  slot_id: string;
  entry_id: string;
  created_at: Date;
  appointment_id: string | null;
  duration_minutes: number | null;
  type: string | null;
}

/** The slot of an offer, locked while it is still to be had. */
export interface BookableSlot {
  id: string;
  practitioner: string;
  location: string | null;
  type: string | null;
  starts_at: Date;
  ends_at: Date;
  duration_minutes: number;
  cascade_depth: number;
}

const ENTRY_VIEW = `
  SELECT e.id,
         CASE WHEN e.status = 'waiting' AND EXISTS (
           SELECT 1 FROM waitlist_offers o JOIN slots s ON s.id = o.slot_id
           WHERE o.entry_id = e.id AND o.closed_at IS NULL AND s.booked_appointment_id IS NULL)
         THEN 'offered' ELSE e.status END AS status,
         p.name AS patient_name, p.phone AS patient_phone, p.language AS patient_language,
         p.opted_out_at IS NOT NULL AS patient_opted_out,
         e.practitioner, e.location, e.type, e.duration_minutes,
         to_char(e.not_before, 'YYYY-MM-DD') AS not_before,
         to_char(e.not_after, 'YYYY-MM-DD') AS not_after,
         e.appointment_id, a.external_id AS appointment_external_id, e.priority, e.source,
         e.booked_appointment_id, e.created_at,
         coalesce((SELECT json_agg(json_build_object(
             'slot_id', s.id, 'starts_at', s.starts_at, 'practitioner', s.practitioner,
             'location', s.location, 'created_at', o.created_at,
             'closed_reason', o.closed_reason,
             'slot_taken', s.booked_appointment_id IS NOT NULL
               AND s.booked_appointment_id IS DISTINCT FROM e.booked_appointment_id)
             ORDER BY o.created_at DESC)
           FROM waitlist_offers o JOIN slots s ON s.id = o.slot_id WHERE o.entry_id = e.id),
           '[]') AS offers
  FROM waitlist_entries e
  JOIN patients p ON p.id = e.patient_id
  LEFT JOIN appointments a ON a.id = e.appointment_id`;

/** The waitlist: entries, the offers made to them, and the waves' reads and writes. */
@Injectable()
export class WaitlistRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The new entry's id, or null when the patient already has a live one for the same kind. */
  async insert(m: EntityManager, e: EntryWrite): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO waitlist_entries (clinic_id, patient_id, practitioner, location, type,
         duration_minutes, not_before, not_after, appointment_id, priority, source, created_at,
         updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [
        e.clinicId,
        e.patientId,
        e.practitioner,
        e.location,
        e.type,
        e.durationMinutes,
        e.notBefore,
        e.notAfter,
        e.appointmentId,
        e.priority,
        e.source,
        e.at,
      ],
    );
    return rows[0]?.id ?? null;
  }

  /** The live entry (waiting or offered) the unique index compares a new one with. */
  async liveFor(
    m: EntityManager,
    clinicId: string,
    patientId: string,
    practitioner: string | null,
    type: string | null,
  ): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `SELECT id FROM waitlist_entries
       WHERE clinic_id = $1 AND patient_id = $2 AND coalesce(practitioner, '') = coalesce($3, '')
         AND coalesce(type, '') = coalesce($4, '') AND status IN ('waiting', 'offered')`,
      [clinicId, patientId, practitioner, type],
    );
    return rows[0]?.id ?? null;
  }

  async get(
    clinicId: string,
    id: string,
    m: EntityManager = this.ds.manager,
  ): Promise<EntryRow | null> {
    const rows: EntryRow[] = await m.query(`${ENTRY_VIEW} WHERE e.clinic_id = $1 AND e.id = $2`, [
      clinicId,
      id,
    ]);
    return rows[0] ?? null;
  }

  async list(clinicId: string, status: WaitlistStatus | undefined, limit: number) {
    const rows: EntryRow[] = await this.ds.query(
      `SELECT * FROM (${ENTRY_VIEW} WHERE e.clinic_id = $1) v
       WHERE $2::text IS NULL OR v.status = $2
       ORDER BY v.created_at DESC, v.id LIMIT $3`,
      [clinicId, status ?? null, limit],
    );
    return rows;
  }

  /** Takes a live entry off the list; its open offers are withdrawn. The status it had, or null. */
  async remove(m: EntityManager, clinicId: string, id: string, now: Date): Promise<string | null> {
    const rows: { status: string }[] = await m.query(
      `SELECT status FROM waitlist_entries WHERE clinic_id = $1 AND id = $2 FOR UPDATE`,
      [clinicId, id],
    );
    const status = rows[0]?.status ?? null;
    if (status !== 'waiting') return status;
    await m.query(
      `UPDATE waitlist_entries SET status = 'removed', updated_at = $3
       WHERE clinic_id = $1 AND id = $2`,
      [clinicId, id, now],
    );
    await m.query(
      `UPDATE waitlist_offers SET closed_at = $2, closed_reason = 'withdrawn'
       WHERE entry_id = $1 AND closed_at IS NULL`,
      [id, now],
    );
    return status;
  }

  // --- the waves -------------------------------------------------------------------------------

  /** Slots whose next wave is due, locked; another instance's are skipped, not waited for. */
  async lockDueSlots(m: EntityManager, now: Date, limit: number): Promise<DueSlot[]> {
    return m.query(
      `SELECT s.id, s.clinic_id, s.practitioner, s.location, s.type, s.starts_at, s.ends_at,
              s.duration_minutes, s.booked_appointment_id IS NOT NULL AS booked,
              EXISTS (
                SELECT 1 FROM appointments a
                WHERE a.clinic_id = s.clinic_id AND a.practitioner = s.practitioner
                  AND a.occupies_time
                  AND tstzrange(a.starts_at, a.ends_at, '[)')
                      && tstzrange(s.starts_at, s.ends_at, '[)')) AS occupied,
              s.held_until, s.waves, s.cascade_depth
       FROM slots s WHERE s.next_wave_at <= $1
       ORDER BY s.next_wave_at LIMIT $2
       FOR UPDATE OF s SKIP LOCKED`,
      [now, limit],
    );
  }

  async nextWaveDue(): Promise<Date | null> {
    const rows: { at: Date | null }[] = await this.ds.query(
      `SELECT min(next_wave_at) AS at FROM slots WHERE next_wave_at IS NOT NULL`,
    );
    return rows[0]?.at ?? null;
  }

  /** The next wave's time (null: no more waves), counting the wave just made when `waved`. */
  async scheduleWave(m: EntityManager, slotId: string, at: Date | null, waved: boolean) {
    await m.query(
      `UPDATE slots SET next_wave_at = $2, waves = waves + $3::int, updated_at = now()
       WHERE id = $1`,
      [slotId, at, waved ? 1 : 0],
    );
  }

  /**
   * The best matches for a slot: live entries of the clinic matching its practitioner, location,
   * type, length and local date, higher priority first, then longest waiting; never an
   * opted-out patient, one already offered this slot, one with another offer still live (made
   * after `live.since`, its slot still open: one time at a time, so the digit they answer means
   * it), or one who holds a visit at that time; an entry tied to an appointment only for a time
   * before it.
   */
  async candidates(
    m: EntityManager,
    slot: DueSlot,
    localDate: string,
    limit: number,
    live: { since: Date; now: Date },
  ): Promise<Candidate[]> {
    return m.query(
      `SELECT e.id AS entry_id, e.patient_id, p.phone, p.language, p.timezone
       FROM waitlist_entries e
       JOIN patients p ON p.id = e.patient_id
       LEFT JOIN appointments ea ON ea.id = e.appointment_id
       WHERE e.clinic_id = $1 AND e.status = 'waiting'
         AND (e.practitioner IS NULL OR e.practitioner = $2)
         AND (e.location IS NULL OR $3::text IS NULL OR e.location = $3)
         AND (e.type IS NULL OR $4::text IS NULL OR e.type = $4)
         AND (e.duration_minutes IS NULL OR e.duration_minutes <= $5)
         AND (e.not_before IS NULL OR e.not_before <= $6::date)
         AND (e.not_after IS NULL OR e.not_after >= $6::date)
         AND p.opted_out_at IS NULL
         AND NOT EXISTS (
           SELECT 1 FROM waitlist_offers o WHERE o.slot_id = $7 AND o.entry_id = e.id)
         AND NOT EXISTS (
           SELECT 1 FROM waitlist_offers lo JOIN slots ls ON ls.id = lo.slot_id
           WHERE lo.patient_id = e.patient_id AND lo.closed_at IS NULL AND lo.created_at > $12
             AND ls.booked_appointment_id IS NULL AND ls.starts_at > $13)
         AND (e.appointment_id IS NULL
              OR (ea.status = ANY($11::text[]) AND ea.starts_at > $8
                  AND ea.duration_minutes <= $5))
         AND NOT EXISTS (
           SELECT 1 FROM appointments a
           WHERE a.clinic_id = e.clinic_id AND a.patient_id = e.patient_id AND a.occupies_time
             AND a.id IS DISTINCT FROM e.appointment_id
             AND tstzrange(a.starts_at, a.ends_at, '[)')
                 && tstzrange($8::timestamptz, $9::timestamptz, '[)'))
       ORDER BY e.priority DESC, e.created_at, e.id
       LIMIT $10`,
      [
        slot.clinic_id,
        slot.practitioner,
        slot.location,
        slot.type,
        slot.duration_minutes,
        localDate,
        slot.id,
        slot.starts_at,
        slot.ends_at,
        limit,
        LIVE_STATUSES,
        live.since,
        live.now,
      ],
    );
  }

  async insertOffers(
    m: EntityManager,
    clinicId: string,
    slotId: string,
    wave: number,
    offers: { entryId: string; patientId: string }[],
    now: Date,
  ): Promise<void> {
    await m.query(
      `INSERT INTO waitlist_offers (clinic_id, slot_id, entry_id, patient_id, wave, created_at)
       SELECT $1, $2, v.entry_id, v.patient_id, $3, $4
       FROM unnest($5::uuid[], $6::uuid[]) AS v(entry_id, patient_id)
       ON CONFLICT (slot_id, entry_id) DO NOTHING`,
      [clinicId, slotId, wave, now, offers.map((o) => o.entryId), offers.map((o) => o.patientId)],
    );
  }

  // --- booking ---------------------------------------------------------------------------------

  /** The patient's newest open waitlist offer for a slot not yet begun, if any. */
  async newestOpenOffer(m: EntityManager, patientId: string, now: Date): Promise<OpenOffer | null> {
    const result: unknown = await namedQuery(
      m,
      'waitlist_newest_offer',
      `SELECT o.id, o.slot_id, o.entry_id, o.created_at, e.appointment_id, e.duration_minutes,
              e.type
       FROM waitlist_offers o
       JOIN slots s ON s.id = o.slot_id
       JOIN waitlist_entries e ON e.id = o.entry_id
       WHERE o.patient_id = $1 AND o.closed_at IS NULL AND s.starts_at > $2
         AND e.status = 'waiting'
       ORDER BY o.created_at DESC LIMIT 1`,
      [patientId, now],
    );
    return returningRows<OpenOffer>(result)[0] ?? null;
  }

  /** When the patient's newest open reschedule offer was made (a digit goes to the newest). */
  async newestRescheduleOffer(m: EntityManager, patientId: string): Promise<Date | null> {
    const rows: { at: Date | null }[] = await m.query(
      `SELECT max(ro.created_at) AS at FROM reschedule_offers ro
       JOIN appointments a ON a.id = ro.appointment_id
       WHERE a.patient_id = $1 AND ro.closed_at IS NULL`,
      [patientId],
    );
    return rows[0]?.at ?? null;
  }

  /**
   * The slot, locked, if it is still to be had: not booked, not begun, not held by someone's
   * reschedule offer, and free of live appointments of its practitioner (but `own`, the
   * appointment that moves into it). Two patients taking it at once: the second waits for the
   * first's lock and, once the first committed, no longer matches (booked).
   */
  async lockBookable(
    m: EntityManager,
    slotId: string,
    own: string | null,
    durationMinutes: number | null,
    now: Date,
  ): Promise<BookableSlot | null> {
    const result: unknown = await namedQuery(
      m,
      'waitlist_slot_lock',
      `SELECT s.id, s.practitioner, s.location, s.type, s.starts_at, s.ends_at,
              s.duration_minutes, s.cascade_depth
       FROM slots s
       WHERE s.id = $1 AND s.booked_appointment_id IS NULL AND s.starts_at > $2
         AND (s.held_until IS NULL OR s.held_until <= $2)
       FOR UPDATE`,
      [slotId, now],
    );
    const slot = returningRows<BookableSlot>(result)[0];
    if (!slot) return null;
    const length = durationMinutes ?? slot.duration_minutes;
    const busy: unknown[] = await m.query(
      `SELECT 1 FROM appointments a
       WHERE a.clinic_id = (SELECT clinic_id FROM slots WHERE id = $1)
         AND a.practitioner = $2 AND a.occupies_time AND a.id IS DISTINCT FROM $3
         AND tstzrange(a.starts_at, a.ends_at, '[)')
             && tstzrange($4::timestamptz, $4::timestamptz + make_interval(mins => $5), '[)')
       LIMIT 1`,
      [slot.id, slot.practitioner, own, slot.starts_at, length],
    );
    return busy.length === 0 ? slot : null;
  }

  /** The slot is the appointment's: booked, no more waves. */
  async markBooked(m: EntityManager, slotId: string, appointmentId: string, now: Date) {
    await m.query(
      `UPDATE slots SET booked_appointment_id = $2, booked_at = $3, next_wave_at = NULL,
              held_for_appointment_id = NULL, held_until = NULL, updated_at = now()
       WHERE id = $1`,
      [slotId, appointmentId, now],
    );
  }

  /** The entry is done: booked into `appointmentId`; its open offers close. */
  async closeBooked(
    m: EntityManager,
    entryId: string,
    offerId: string,
    appointmentId: string,
    now: Date,
  ): Promise<void> {
    await m.query(
      `WITH entry AS (
         UPDATE waitlist_entries SET status = 'booked', booked_appointment_id = $3, updated_at = $4
         WHERE id = $1 RETURNING id)
       UPDATE waitlist_offers SET closed_at = $4,
              closed_reason = CASE WHEN id = $2 THEN 'booked' ELSE 'replaced' END
       WHERE entry_id = $1 AND closed_at IS NULL`,
      [entryId, offerId, appointmentId, now],
    );
  }

  async closeTaken(m: EntityManager, offerId: string, now: Date): Promise<void> {
    await m.query(
      `UPDATE waitlist_offers SET closed_at = $2, closed_reason = 'taken'
       WHERE id = $1 AND closed_at IS NULL`,
      [offerId, now],
    );
  }

  /**
   * Open freed time of the clinic (this practitioner's, or any for null) whose waves had stopped
   * gets a wave now: a new entry may match it. The wake-up rides with it.
   */
  async rewakeFreedSlots(
    m: EntityManager,
    clinicId: string,
    practitioner: string | null,
    now: Date,
  ): Promise<void> {
    await m.query(
      `WITH woken AS (
         UPDATE slots SET next_wave_at = $3, updated_at = now()
         WHERE clinic_id = $1 AND ($2::text IS NULL OR practitioner = $2)
           AND freed_at IS NOT NULL AND next_wave_at IS NULL
           AND booked_appointment_id IS NULL AND starts_at > $3
         RETURNING id)
       SELECT pg_notify($4, $5) WHERE EXISTS (SELECT 1 FROM woken)`,
      [clinicId, practitioner, now, FREED_WAKE.channel, FREED_WAKE.payload],
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { namedQuery } from '../database/named-query';
import { returningRows } from '../database/returning-rows';

/** How long after the follow-up text the patient's `R` still means the missed visit. */
export const REBOOK_WINDOW_MS = 7 * 24 * 3600_000;

export type MissedVisitSkip = 'not_missed' | 'opted_out' | 'disabled' | 'late';

/** A missed visit whose follow-up is due, locked, with what its text needs. */
export interface DueMissedVisit {
  appointment_id: string;
  clinic_id: string;
  patient_id: string;
  due_at: Date;
  /** the missed visit's start (the text names its date) */
  starts_at: Date;
  /** the appointment is still `no_show` (staff may have corrected it to arrived) */
  still_missed: boolean;
  opted_out: boolean;
  enabled: boolean;
  phone: string;
  language: string;
  zone: string;
  clinic_name: string;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
}

/** A patient's open reschedule offer made for a missed visit they were followed up on. */
export interface RebookOffer {
  appointment_id: string;
  slot_ids: string[];
}

/**
 * Missed visits followed up by text (API.md, "Missed-visit follow-up"): the rows the no-show
 * writes (AppointmentsRepository.recordMissed), the follow-up due work's reads and writes, and
 * what a patient's `R` or digit finds.
 */
@Injectable()
export class MissedVisitsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Follow-ups due now, locked (SKIP LOCKED: another instance has them). */
  async lockDue(m: EntityManager, now: Date, limit: number): Promise<DueMissedVisit[]> {
    return m.query(
      `SELECT mv.appointment_id, mv.clinic_id, mv.patient_id, mv.due_at, a.starts_at,
              a.status = 'no_show' AS still_missed, p.opted_out_at IS NOT NULL AS opted_out,
              c.missed_visit_follow_up_enabled AS enabled, p.phone, p.language,
              coalesce(p.timezone, c.timezone) AS zone, c.name AS clinic_name,
              c.quiet_hours_start, c.quiet_hours_end
       FROM missed_visits mv
       JOIN appointments a ON a.id = mv.appointment_id
       JOIN patients p ON p.id = mv.patient_id
       JOIN clinics c ON c.id = mv.clinic_id
       WHERE mv.sent_at IS NULL AND mv.skipped IS NULL AND mv.due_at <= $1
       ORDER BY mv.due_at
       LIMIT $2
       FOR UPDATE OF mv SKIP LOCKED`,
      [now, limit],
    );
  }

  async nextDue(): Promise<Date | null> {
    const rows: { at: Date | null }[] = await this.ds.query(
      `SELECT min(due_at) AS at FROM missed_visits WHERE sent_at IS NULL AND skipped IS NULL`,
    );
    return rows[0]?.at ?? null;
  }

  async markSent(
    m: EntityManager,
    rows: { appointmentId: string; messageId: string | null; sentAt: Date }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE missed_visits mv SET message_id = v.message_id, sent_at = v.sent_at
       FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS v(appointment_id, message_id,
         sent_at)
       WHERE mv.appointment_id = v.appointment_id`,
      [rows.map((r) => r.appointmentId), rows.map((r) => r.messageId), rows.map((r) => r.sentAt)],
    );
  }

  async markSkipped(
    m: EntityManager,
    rows: { appointmentId: string; reason: MissedVisitSkip }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE missed_visits mv SET skipped = v.reason
       FROM unnest($1::uuid[], $2::text[]) AS v(appointment_id, reason)
       WHERE mv.appointment_id = v.appointment_id`,
      [rows.map((r) => r.appointmentId), rows.map((r) => r.reason)],
    );
  }

  /**
   * The missed visit a patient's `R` is about: their newest one followed up within the last
   * REBOOK_WINDOW_MS, still `no_show` and not re-booked, unless the appointment the reply was
   * linked to (`linked`, their upcoming one) was reminded after that follow-up.
   */
  async followedUp(
    m: EntityManager,
    patientId: string,
    now: Date,
    linked: string | null,
  ): Promise<string | null> {
    const result: unknown = await namedQuery(
      m,
      'missed_visit_followed_up',
      `SELECT mv.appointment_id FROM missed_visits mv
       JOIN appointments a ON a.id = mv.appointment_id
       WHERE mv.patient_id = $1 AND mv.sent_at IS NOT NULL AND mv.rebooked_appointment_id IS NULL
         AND mv.sent_at <= $2 AND mv.sent_at > $2::timestamptz - make_interval(secs => $4)
         AND a.status = 'no_show'
         AND NOT EXISTS (SELECT 1 FROM reminders r
                         WHERE r.appointment_id = $3::uuid AND r.sent_at > mv.sent_at)
       ORDER BY mv.sent_at DESC LIMIT 1`,
      [patientId, now, linked, REBOOK_WINDOW_MS / 1000],
    );
    return returningRows<{ appointment_id: string }>(result)[0]?.appointment_id ?? null;
  }

  /**
   * The patient's newest open reschedule offer, when it was made for a missed visit not yet
   * re-booked (a digit goes to the newest offer).
   */
  async openRebookOffer(m: EntityManager, patientId: string): Promise<RebookOffer | null> {
    const result: unknown = await namedQuery(
      m,
      'missed_visit_open_offer',
      `SELECT newest.appointment_id, newest.slot_ids FROM (
         SELECT ro.appointment_id, ro.slot_ids FROM reschedule_offers ro
         JOIN appointments a ON a.id = ro.appointment_id
         WHERE a.patient_id = $1 AND ro.closed_at IS NULL
         ORDER BY ro.created_at DESC LIMIT 1) newest
       JOIN missed_visits mv ON mv.appointment_id = newest.appointment_id
       WHERE mv.rebooked_appointment_id IS NULL`,
      [patientId],
    );
    return returningRows<RebookOffer>(result)[0] ?? null;
  }

  async markRebooked(m: EntityManager, appointmentId: string, bookedId: string): Promise<void> {
    await m.query(
      `UPDATE missed_visits SET rebooked_appointment_id = $2 WHERE appointment_id = $1`,
      [appointmentId, bookedId],
    );
  }
}

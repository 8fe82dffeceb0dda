import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppointmentRow, SELECT_WITH_PATIENT } from '../appointments/appointments.repository';
import { namedQuery } from '../database/named-query';
import { returningRows } from '../database/returning-rows';

export const ATTENTION_REASONS = [
  'unrecognized_reply',
  'cancel_keyword',
  'no_slots',
  'no_appointment',
  'low_rating',
] as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[number];

export interface ConversationRow {
  patient_phone: string;
  patient_id: string;
  patient_name: string;
  appointment_id: string | null;
  needs_attention: boolean;
  reason: AttentionReason | null;
  flagged_at: Date | null;
  resolved_at: Date | null;
  last_message_at: Date;
}

export interface ConversationMessageRow {
  id: string;
  direction: 'inbound' | 'outbound';
  kind: string;
  body: string;
  status: string;
  created_at: Date;
  appointment_id: string | null;
  /** an inbound MMS's attachments; null without */
  media: { url: string; contentType: string | null }[] | null;
}

export interface Touch {
  clinicId: string;
  phone: string;
  patientId: string;
  appointmentId: string | null;
  at: Date;
}

/**
 * The appointment a text is about, locked, with what its reschedule offer needs, read in the
 * statement that takes the lock. Only a text of this patient changes an appointment's offer and
 * holds, and a patient's texts are processed one at a time (see the inbox's claim), so nothing
 * these show can have changed while the lock was awaited; the hold expiry only clears lapsed
 * holds, and another appointment only takes lapsed ones (then `holding` is true for nothing,
 * and letting go finds nothing: as before).
 */
export interface LockedAppointment extends AppointmentRow {
  /** the open offer's slots (the patient's "1" is the first), null when none is open */
  open_offer: string[] | null;
  /** some slot is held for it (perhaps a lapsed hold not cleared yet) */
  holding: boolean;
}

const ROW = `c.patient_phone, c.patient_id, p.name AS patient_name, c.appointment_id,
  c.needs_attention, c.reason, c.flagged_at, c.resolved_at, c.last_message_at`;

/** A patient's thread with the clinic, and whether staff need to look at it. */
@Injectable()
export class ConversationsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Records that the patient wrote (or was written to) and locks the conversation for the rest
   * of the transaction; returns whether it was already waiting for staff.
   */
  async touch(m: EntityManager, t: Touch): Promise<{ needsAttention: boolean }> {
    return this.touchLocking(m, t, null);
  }

  /**
   * `touch`, then the appointment `lockAppointmentId` of the clinic locked (FOR UPDATE) and read
   * with its offer (null when there is none), in the same round trip: a patient's text about an
   * appointment takes both locks, the conversation's first, as two statements would.
   */
  async touchLocking(
    m: EntityManager,
    t: Touch,
    lockAppointmentId: string | null,
  ): Promise<{ needsAttention: boolean; appointment: LockedAppointment | null }> {
    // The upsert locks the row, and leaves needs_attention as it was (a row it creates starts
    // at false), so what it returns is the state before this text. The lateral lock runs once
    // the upsert has given its row, so the order of the locks is that of two statements.
    const result = await namedQuery(
      m,
      'conversation_touch_locking',
      `WITH touched AS (
         INSERT INTO conversations (clinic_id, patient_phone, patient_id, appointment_id,
           last_message_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (clinic_id, patient_phone) DO UPDATE
           SET patient_id = EXCLUDED.patient_id,
               appointment_id = coalesce(EXCLUDED.appointment_id, conversations.appointment_id),
               last_message_at = greatest(conversations.last_message_at,
                                          EXCLUDED.last_message_at),
               updated_at = now()
         RETURNING needs_attention)
       SELECT touched.needs_attention, locked.*,
              (SELECT o.slot_ids FROM reschedule_offers o
               WHERE o.appointment_id = locked.id AND o.closed_at IS NULL) AS open_offer,
              EXISTS (SELECT 1 FROM slots s WHERE s.held_for_appointment_id = locked.id)
                AS holding
       FROM touched LEFT JOIN LATERAL (
         ${SELECT_WITH_PATIENT}
         WHERE a.clinic_id = $1 AND a.id = $6::uuid FOR UPDATE OF a) locked ON true`,
      [t.clinicId, t.phone, t.patientId, t.appointmentId, t.at, lockAppointmentId],
    );
    const rows = returningRows<{ needs_attention: boolean } & Partial<LockedAppointment>>(result);
    const { needs_attention, ...appointment } = rows[0] ?? { needs_attention: false };
    return {
      needsAttention: needs_attention,
      appointment: appointment.id ? (appointment as LockedAppointment) : null,
    };
  }

  /** Waits for staff with this reason (the latest reason wins; the first flag time stays). */
  async flag(
    m: EntityManager,
    clinicId: string,
    phone: string,
    reason: AttentionReason,
    at: Date,
  ): Promise<void> {
    await namedQuery(
      m,
      'conversation_flag',
      `UPDATE conversations
       SET needs_attention = true, reason = $3,
           flagged_at = CASE WHEN needs_attention THEN flagged_at ELSE $4 END, updated_at = now()
       WHERE clinic_id = $1 AND patient_phone = $2`,
      [clinicId, phone, reason, at],
    );
  }

  async resolve(clinicId: string, phone: string, at: Date): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE conversations
       SET resolved_at = CASE WHEN needs_attention THEN $3 ELSE resolved_at END,
           needs_attention = false, reason = NULL, flagged_at = NULL, updated_at = now()
       WHERE clinic_id = $1 AND patient_phone = $2
       RETURNING patient_phone`,
      [clinicId, phone, at],
    );
    return returningRows(result).length > 0;
  }

  async list(
    clinicId: string,
    f: { needsAttention?: boolean; limit: number },
  ): Promise<
    (ConversationRow & {
      last: ConversationMessageRow | null;
      last_inbound: ConversationMessageRow | null;
    })[]
  > {
    const where =
      f.needsAttention === undefined
        ? ''
        : f.needsAttention
          ? 'AND c.needs_attention'
          : 'AND NOT c.needs_attention';
    const order = f.needsAttention ? 'c.flagged_at, c.patient_phone' : 'c.last_message_at DESC';
    return this.ds.query(
      `SELECT ${ROW},
              (SELECT row_to_json(x) FROM (
                 SELECT msg.id, msg.direction, msg.kind, msg.body, msg.status, msg.created_at,
                        msg.appointment_id, msg.media
                 FROM messages msg WHERE msg.patient_id = c.patient_id
                 ORDER BY msg.created_at DESC, msg.direction = 'outbound' DESC, msg.id DESC
                 LIMIT 1) x) AS last,
              -- The patient's own last words: the newest message is often Turnout's answer.
              (SELECT row_to_json(y) FROM (
                 SELECT msg.id, msg.direction, msg.kind, msg.body, msg.status, msg.created_at,
                        msg.appointment_id, msg.media
                 FROM messages msg
                 WHERE msg.patient_id = c.patient_id AND msg.direction = 'inbound'
                 ORDER BY msg.created_at DESC, msg.id DESC
                 LIMIT 1) y) AS last_inbound
       FROM conversations c JOIN patients p ON p.id = c.patient_id
       WHERE c.clinic_id = $1 ${where}
       ORDER BY ${order}
       LIMIT $2`,
      [clinicId, f.limit],
    );
  }

  async find(clinicId: string, phone: string): Promise<ConversationRow | null> {
    const rows: ConversationRow[] = await this.ds.query(
      `SELECT ${ROW} FROM conversations c JOIN patients p ON p.id = c.patient_id
       WHERE c.clinic_id = $1 AND c.patient_phone = $2`,
      [clinicId, phone],
    );
    return rows[0] ?? null;
  }

  /** Every message with the number at this clinic, oldest first, unbounded: the export. */
  async allMessages(clinicId: string, phone: string): Promise<ConversationMessageRow[]> {
    return this.ds.query(
      `SELECT m.id, m.direction, m.kind, m.body, m.status, m.created_at, m.appointment_id,
              m.media
       FROM messages m JOIN patients p ON p.id = m.patient_id
       WHERE p.clinic_id = $1 AND p.phone = $2 AND m.clinic_id = $1
       ORDER BY m.created_at, m.direction = 'outbound', m.id`,
      [clinicId, phone],
    );
  }

  /** Every message with the patient, newest last (the most recent `limit`). */
  async messages(
    clinicId: string,
    patientId: string,
    limit: number,
  ): Promise<ConversationMessageRow[]> {
    return this.ds.query(
      `SELECT * FROM (
         SELECT id, direction, kind, body, status, created_at, appointment_id, media
         FROM messages
         WHERE clinic_id = $1 AND patient_id = $2
         ORDER BY created_at DESC, direction = 'outbound' DESC, id DESC LIMIT $3) newest
       -- An answer can share its message's instant: the message comes first.
       ORDER BY created_at, direction = 'outbound', id`,
      [clinicId, patientId, limit],
    );
  }
}

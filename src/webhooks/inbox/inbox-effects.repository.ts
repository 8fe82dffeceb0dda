import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LIVE_STATUSES } from '../../appointments/appointment.machine';
import type { InboundMessageWrite } from '../../messaging/messages.repository';
import type { ProviderType } from '../../messaging/providers/sms-provider.port';
import type { ReplyPatient } from '../../patients/patients.repository';
import { namedQuery } from '../../database/named-query';
import { returningRows } from '../../database/returning-rows';

export interface InboundLinks {
  patientId: string | null;
  /** what the conversation workflow needs of the patient, read in the same query */
  patient: ReplyPatient | null;
  appointmentId: string | null;
  /** the clinic's version (null when the clinic is gone) */
  clinicVersion: number | null;
}

export interface LinkQuery {
  clinicId: string;
  /** +E.164 */
  phone: string;
  at: Date;
}

export interface OutboundRef {
  id: string;
  /** +E.164 of the patient it went to */
  to: string;
}

/** The reads and writes processing an inbox event needs beyond the message log itself. */
@Injectable()
export class InboxEffectsRepository {
  /**
   * For each (clinic, phone, time): the clinic's patient with that phone and the appointment a
   * reply is about, their upcoming live appointment whose reminder was sent last (the soonest
   * one when none was reminded yet). One query for a whole batch, answers in input order.
   */
  async inboundLinks(m: EntityManager, queries: LinkQuery[]): Promise<InboundLinks[]> {
    const rows = returningRows<
      Partial<ReplyPatient> & {
        patient_id: string | null;
        appointment_id: string | null;
        clinic_version: number | null;
      }
    >(
      await namedQuery(
        m,
        'inbound_links',
        `SELECT p.id AS patient_id, p.phone, p.language, p.timezone,
              p.opted_out_at IS NOT NULL AS opted_out,
              (SELECT a.id FROM appointments a
                WHERE a.clinic_id = p.clinic_id AND a.patient_id = p.id AND a.ends_at > v.at
                  AND a.status = ANY($4::text[])
                ORDER BY (SELECT max(r.sent_at) FROM reminders r WHERE r.appointment_id = a.id)
                         DESC NULLS LAST,
                         a.starts_at, a.id
                LIMIT 1) AS appointment_id,
              (SELECT c.version FROM clinics c WHERE c.id = v.clinic_id) AS clinic_version
       -- The arrays through a subquery kept apart (OFFSET 0): PostgreSQL then guesses the
       -- same number of rows for a generic plan as for a custom one and keeps the generic
       -- plan; given unnest($1) directly it counted each batch's own array, found the generic
       -- plan (10 rows) dearer, and planned every call afresh (0.5 ms a call, more than it ran).
       FROM (SELECT $1::uuid[] AS clinic_ids, $2::text[] AS phones, $3::timestamptz[] AS ats
             OFFSET 0) q,
            unnest(q.clinic_ids, q.phones, q.ats) WITH ORDINALITY AS v(clinic_id, phone, at, ord)
       LEFT JOIN patients p ON p.clinic_id = v.clinic_id AND p.phone = v.phone
       ORDER BY v.ord`,
        [
          queries.map((q) => q.clinicId),
          queries.map((q) => q.phone),
          queries.map((q) => q.at),
          LIVE_STATUSES,
        ],
      ),
    );
    return rows.map((r) => ({
      patientId: r.patient_id,
      patient: r.patient_id
        ? {
            id: r.patient_id,
            phone: r.phone!,
            language: r.language!,
            timezone: r.timezone ?? null,
            opted_out: r.opted_out!,
          }
        : null,
      appointmentId: r.appointment_id,
      clinicVersion: r.clinic_version,
    }));
  }

  /**
   * Stores each inbound message once per provider message id, in one statement. Returns the new row's id by input index (null when
   * the message was already stored).
   */
  async insertInbound(m: EntityManager, writes: InboundMessageWrite[]): Promise<(string | null)[]> {
    const rows = returningRows<{ id: string; provider_type: string; provider_message_id: string }>(
      await namedQuery(
        m,
        'inbound_insert',
        `INSERT INTO messages (clinic_id, patient_id, appointment_id, direction, kind, body, status,
         segments, encoding, from_number, to_number, provider_type, provider_message_id, created_at)
       SELECT v.clinic_id, v.patient_id, v.appointment_id, 'inbound', 'reply', v.body, 'received',
              v.segments, v.encoding, v.from_number, v.to_number, v.provider_type,
              v.provider_message_id, v.created_at
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[],
                   $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
            WITH ORDINALITY AS v(clinic_id, patient_id, appointment_id, body, segments, encoding,
                                 from_number, to_number, provider_type, provider_message_id,
                                 created_at, ord)
       ORDER BY v.ord
       -- the partial unique index of known provider ids (1795830300000) is the arbiter
       ON CONFLICT (provider_type, provider_message_id) WHERE provider_message_id IS NOT NULL
       DO NOTHING
       RETURNING id, provider_type, provider_message_id`,
        [
          writes.map((w) => w.clinicId),
          writes.map((w) => w.patientId),
          writes.map((w) => w.appointmentId),
          writes.map((w) => w.body),
          writes.map((w) => w.segments),
          writes.map((w) => w.encoding),
          writes.map((w) => w.from),
          writes.map((w) => w.to),
          writes.map((w) => w.providerType),
          writes.map((w) => w.providerMessageId),
          writes.map((w) => w.createdAt),
        ],
      ),
    );
    const ids = new Map(rows.map((r) => [`${r.provider_type} ${r.provider_message_id}`, r.id]));
    return writes.map((w) => ids.get(`${w.providerType} ${w.providerMessageId}`) ?? null);
  }

  /** One of this clinic's outbound messages by the provider's id (never another clinic's). */
  async outboundByProviderId(
    m: EntityManager,
    clinicId: string,
    providerType: ProviderType,
    providerMessageId: string,
  ): Promise<OutboundRef | null> {
    const rows: { id: string; to_number: string }[] = await m.query(
      `SELECT id, to_number FROM messages
       WHERE provider_type = $1 AND provider_message_id = $2 AND clinic_id = $3
         AND direction = 'outbound'`,
      [providerType, providerMessageId, clinicId],
    );
    return rows[0] ? { id: rows[0].id, to: rows[0].to_number } : null;
  }

  /**
   * A sent reminder follows its message's final status: delivered, or failed when the message
   * was undelivered or failed. Forward only, like the message: only a `sent` reminder moves.
   */
  async followMessage(m: EntityManager, messageId: string): Promise<void> {
    await m.query(
      `UPDATE reminders r
       SET status = CASE WHEN msg.status = 'delivered' THEN 'delivered' ELSE 'failed' END,
           reason = CASE WHEN msg.status = 'delivered' THEN r.reason
                         ELSE 'message ' || msg.status || coalesce(' (' || msg.error_code || ')', '')
                    END,
           updated_at = now()
       FROM messages msg
       WHERE msg.id = $1 AND r.message_id = msg.id AND r.clinic_id = msg.clinic_id
         AND r.status = 'sent' AND msg.status IN ('delivered', 'undelivered', 'failed')`,
      [messageId],
    );
  }
}

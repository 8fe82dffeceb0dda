import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returningRows } from '../database/returning-rows';
import type { DeliveryStatus, InboundMedia, ProviderType } from './providers/sms-provider.port';
import { namedQuery } from '../database/named-query';

export type MessageStatus = 'pending' | DeliveryStatus | 'received';

/** A producer's text, due at `runAt`; the sender and provider are the clinic's at write time. */
export interface OutboundMessageWrite {
  id: string;
  clinicId: string;
  patientId: string | null;
  appointmentId: string | null;
  kind: string;
  body: string;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
  to: string;
  createdAt: Date;
  runAt: Date;
  priority: number;
  expiresAt: Date | null;
  confirmsConsentEvent: string | null;
  /** sent with the row, in the same round trip: PostgreSQL delivers it when the row commits */
  notify: { channel: string; payload: string };
}

export interface InboundMessageWrite {
  clinicId: string;
  patientId: string | null;
  appointmentId: string | null;
  body: string;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
  from: string;
  to: string;
  providerType: ProviderType;
  providerMessageId: string;
  createdAt: Date;
  media: InboundMedia[];
}

/** Rank of a status: a message only ever moves to a higher rank; rank 3 is final. */
const RANK_SQL = (col: string) =>
  `CASE ${col} WHEN 'pending' THEN 0 WHEN 'queued' THEN 1 WHEN 'sent' THEN 2 ELSE 3 END`;

@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** A message from a number that had no patient yet, linked to the one just made for it. */
  async linkPatient(m: EntityManager, messageId: string, patientId: string): Promise<void> {
    await m.query(`UPDATE messages SET patient_id = $2 WHERE id = $1 AND patient_id IS NULL`, [
      messageId,
      patientId,
    ]);
  }

  /** Writes an outbound text for the pipeline to send; false when the clinic is gone. */
  async insertOutbound(m: EntityManager, w: OutboundMessageWrite): Promise<boolean> {
    return (await this.insertOutboundMany(m, [w])).has(w.id);
  }

  /**
   * Several producers' texts in one statement (each with its notification, folded by
   * PostgreSQL when alike); returns the ids written (a text whose clinic is gone is not).
   */
  async insertOutboundMany(m: EntityManager, ws: OutboundMessageWrite[]): Promise<Set<string>> {
    if (ws.length === 0) return new Set();
    const result = await namedQuery(
      m,
      'outbound_insert_many',
      `WITH v AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[],
                              $6::text[], $7::int[], $8::text[], $9::text[], $10::timestamptz[],
                              $11::timestamptz[], $12::int[], $13::timestamptz[], $14::bigint[],
                              $15::text[], $16::text[]) WITH ORDINALITY
           AS v(id, clinic_id, patient_id, appointment_id, kind, body, segments, encoding,
                to_number, created_at, run_at, priority, expires_at, confirms_consent_event,
                channel, payload, ord)
       ), ins AS (
         INSERT INTO messages (id, clinic_id, patient_id, appointment_id, direction, kind, body,
           status, segments, encoding, from_number, to_number, provider_type, created_at, run_at,
           priority, expires_at, confirms_consent_event)
         SELECT v.id, c.id, v.patient_id, v.appointment_id, 'outbound', v.kind, v.body,
                'pending', v.segments, v.encoding, c.sender_number, v.to_number,
                c.provider_type, v.created_at, v.run_at, v.priority, v.expires_at,
                v.confirms_consent_event
         FROM v JOIN clinics c ON c.id = v.clinic_id
         ORDER BY v.ord
         RETURNING id)
       SELECT ins.id, pg_notify(v.channel, v.payload) FROM ins JOIN v ON v.id = ins.id`,
      [
        ws.map((w) => w.id),
        ws.map((w) => w.clinicId),
        ws.map((w) => w.patientId),
        ws.map((w) => w.appointmentId),
        ws.map((w) => w.kind),
        ws.map((w) => w.body),
        ws.map((w) => w.segments),
        ws.map((w) => w.encoding),
        ws.map((w) => w.to),
        ws.map((w) => w.createdAt),
        ws.map((w) => w.runAt),
        ws.map((w) => w.priority),
        ws.map((w) => w.expiresAt),
        ws.map((w) => w.confirmsConsentEvent),
        ws.map((w) => w.notify.channel),
        ws.map((w) => w.notify.payload),
      ],
    );
    return new Set(returningRows<{ id: string }>(result).map((r) => r.id));
  }

  /**
   * A delivery status from a provider callback, applied only if it moves the message forward:
   * callbacks arrive out of order and a final state is never left. Returns whether it applied.
   */
  async applyStatus(
    providerType: ProviderType,
    providerMessageId: string,
    status: DeliveryStatus,
    errorCode: string | null,
    at: Date,
    m: EntityManager = this.ds.manager,
  ): Promise<boolean> {
    const result: unknown = await m.query(
      `UPDATE messages SET status = $3, error_code = coalesce($4, error_code),
              delivered_at = CASE WHEN $3 = 'delivered' THEN $5::timestamptz ELSE delivered_at END,
              updated_at = now()
       WHERE provider_type = $1 AND provider_message_id = $2
         AND ${RANK_SQL('status')} < ${RANK_SQL('$3::text')}
       RETURNING id`,
      [providerType, providerMessageId, status, errorCode, at],
    );
    return returningRows(result).length > 0;
  }
}

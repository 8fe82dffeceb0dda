import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returningRows } from '../database/returning-rows';
import type { DeliveryStatus, ProviderType } from './providers/sms-provider.port';
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
    const result: unknown = await namedQuery(
      m,
      'outbound_insert',
      `WITH ins AS (
         INSERT INTO messages (id, clinic_id, patient_id, appointment_id, direction, kind, body,
           status, segments, encoding, from_number, to_number, provider_type, created_at, run_at,
           priority, expires_at, confirms_consent_event)
         SELECT $1, c.id, $3, $4, 'outbound', $5, $6, 'pending', $7, $8, c.sender_number, $9,
                c.provider_type, $10, $11, $12, $13, $14
         FROM clinics c WHERE c.id = $2
         RETURNING id)
       SELECT id, pg_notify($15, $16) FROM ins`,
      [
        w.id,
        w.clinicId,
        w.patientId,
        w.appointmentId,
        w.kind,
        w.body,
        w.segments,
        w.encoding,
        w.to,
        w.createdAt,
        w.runAt,
        w.priority,
        w.expiresAt,
        w.confirmsConsentEvent,
        w.notify.channel,
        w.notify.payload,
      ],
    );
    return returningRows(result).length > 0;
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

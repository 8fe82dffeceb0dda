import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returningRows } from '../database/returning-rows';
import type { DeliveryStatus, ProviderType } from './providers/sms-provider.port';

export type MessageStatus = 'pending' | DeliveryStatus | 'received';

export interface OutboundMessageWrite {
  clinicId: string;
  patientId: string | null;
  appointmentId: string | null;
  kind: string;
  body: string;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
  from: string;
  to: string;
  providerType: ProviderType;
  createdAt: Date;
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

  async insertOutbound(m: EntityManager, w: OutboundMessageWrite): Promise<string> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO messages (clinic_id, patient_id, appointment_id, direction, kind, body, status,
         segments, encoding, from_number, to_number, provider_type, created_at)
       VALUES ($1, $2, $3, 'outbound', $4, $5, 'pending', $6, $7, $8, $9, $10, $11)
       RETURNING id`,
      [
        w.clinicId,
        w.patientId,
        w.appointmentId,
        w.kind,
        w.body,
        w.segments,
        w.encoding,
        w.from,
        w.to,
        w.providerType,
        w.createdAt,
      ],
    );
    return rows[0].id;
  }

  /** The provider accepted it: its id and initial status. */
  async markAccepted(
    m: EntityManager,
    id: string,
    providerMessageId: string,
    segments: number | null,
    at: Date,
  ): Promise<void> {
    await m.query(
      `UPDATE messages SET provider_message_id = $2, status = 'queued',
              segments = coalesce($3, segments), sent_at = $4, updated_at = now()
       WHERE id = $1`,
      [id, providerMessageId, segments, at],
    );
  }

  async markFailed(
    m: EntityManager,
    id: string,
    code: string | null,
    detail: string,
  ): Promise<void> {
    await m.query(
      `UPDATE messages SET status = 'failed', error_code = $2, error_detail = $3, updated_at = now()
       WHERE id = $1`,
      [id, code, detail],
    );
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

  /** Stores an inbound message once per provider message id; false when it was already there. */
  async insertInbound(m: EntityManager, w: InboundMessageWrite): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO messages (clinic_id, patient_id, appointment_id, direction, kind, body, status,
         segments, encoding, from_number, to_number, provider_type, provider_message_id, created_at)
       VALUES ($1, $2, $3, 'inbound', 'reply', $4, 'received', $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (provider_type, provider_message_id) DO NOTHING
       RETURNING id`,
      [
        w.clinicId,
        w.patientId,
        w.appointmentId,
        w.body,
        w.segments,
        w.encoding,
        w.from,
        w.to,
        w.providerType,
        w.providerMessageId,
        w.createdAt,
      ],
    );
    return rows[0]?.id ?? null;
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { InboundMessageWrite } from '../../messaging/messages.repository';
import type { ProviderType } from '../../messaging/providers/sms-provider.port';
import { namedQuery } from '../../database/named-query';
import { returningRows } from '../../database/returning-rows';

export interface OutboundRef {
  id: string;
  /** +E.164 of the patient it went to */
  to: string;
}

/** The reads and writes processing an inbox event needs beyond the message log itself. */
@Injectable()
export class InboxEffectsRepository {
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
         segments, encoding, from_number, to_number, provider_type, provider_message_id, created_at,
         media)
       SELECT v.clinic_id, v.patient_id, v.appointment_id, 'inbound', 'reply', v.body, 'received',
              v.segments, v.encoding, v.from_number, v.to_number, v.provider_type,
              v.provider_message_id, v.created_at, v.media::jsonb
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[],
                   $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[],
                   $12::text[])
            WITH ORDINALITY AS v(clinic_id, patient_id, appointment_id, body, segments, encoding,
                                 from_number, to_number, provider_type, provider_message_id,
                                 created_at, media, ord)
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
          writes.map((w) => (w.media.length > 0 ? JSON.stringify(w.media) : null)),
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

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { countSegments } from '../messaging/segments';
import { ConversationOutbox, ConversationText } from './conversation-outbox.port';

/**
 * TEMPORARY binding of ConversationOutbox until the outbound pipeline ("every text through one
 * pipeline") lands: writes the outbound `messages` row as `pending` with its kind, from the
 * clinic's sender number, and nothing sends it yet. The pipeline's own enqueue replaces this
 * class; callers do not change.
 */
@Injectable()
export class PendingMessageOutbox extends ConversationOutbox {
  async enqueue(m: EntityManager, t: ConversationText): Promise<void> {
    const { segments, encoding } = countSegments(t.body);
    await m.query(
      `INSERT INTO messages (clinic_id, patient_id, appointment_id, direction, kind, body, status,
         segments, encoding, from_number, to_number, provider_type, created_at)
       SELECT c.id, $2, $3, 'outbound', $4, $5, 'pending', $6, $7, c.sender_number, $8,
              c.provider_type, $9
       FROM clinics c WHERE c.id = $1`,
      [t.clinicId, t.patientId, t.appointmentId, t.kind, t.body, segments, encoding, t.to, t.at],
    );
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { namedQuery } from '../database/named-query';

export type OfferClosedReason = 'booked' | 'replaced' | 'withdrawn';

/** The offers made by text: which slots a patient's "1", "2" or "3" refers to. */
@Injectable()
export class RescheduleOffersRepository {
  /**
   * A new offer replaces the open one (one open offer per appointment, by a unique index), and
   * `wake` is sent (pg_notify, at commit): one statement.
   */
  async insert(
    m: EntityManager,
    clinicId: string,
    appointmentId: string,
    slotIds: string[],
    now: Date,
    wake: { channel: string; payload: string },
  ): Promise<void> {
    // The insert reads `replaced` first, so the open offer is closed before the new one goes
    // into the unique index; a row this statement closed no longer counts there.
    await namedQuery(
      m,
      'offer_replace',
      `WITH replaced AS (
         UPDATE reschedule_offers SET closed_at = $4, closed_reason = 'replaced'
         WHERE appointment_id = $2 AND closed_at IS NULL
         RETURNING id),
       made AS (
         INSERT INTO reschedule_offers (clinic_id, appointment_id, slot_ids, created_at)
         SELECT $1, $2, $3::uuid[], $4 FROM (SELECT count(*) FROM replaced) r
         RETURNING id)
       SELECT pg_notify($5, $6) FROM made`,
      [clinicId, appointmentId, slotIds, now, wake.channel, wake.payload],
    );
  }

  async close(
    m: EntityManager,
    appointmentId: string,
    reason: OfferClosedReason,
    now: Date,
    bookedSlotId: string | null = null,
  ): Promise<void> {
    await namedQuery(
      m,
      'offer_close',
      `UPDATE reschedule_offers SET closed_at = $2, closed_reason = $3, booked_slot_id = $4
       WHERE appointment_id = $1 AND closed_at IS NULL`,
      [appointmentId, now, reason, bookedSlotId],
    );
  }
}

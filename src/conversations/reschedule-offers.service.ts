import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppointmentRow } from '../appointments/appointments.repository';
import { DueSignals } from '../common/due-work/due-signals';
import { HeldSlot, SlotHoldsRepository } from '../slots/slot-holds.repository';
import { HOLD_WORK } from './hold-expiry.service';
import { RescheduleOffersRepository } from './reschedule-offers.repository';

/** How far ahead a text offer looks, how many times it names, how long each is held. */
export const OFFER_WINDOW_MS = 14 * 24 * 3600_000;
export const OFFER_SIZE = 3;
export const HOLD_MS = 15 * 60_000;

/**
 * Rescheduling by text: up to three open slots of the same practitioner, held for the patient,
 * and the booking of the one they pick. Runs with the appointment row locked.
 */
@Injectable()
export class RescheduleOffers {
  constructor(
    private readonly holds: SlotHoldsRepository,
    private readonly offers: RescheduleOffersRepository,
  ) {}

  /** Holds open slots and records them as the appointment's offer; none held, no offer. */
  async offer(
    m: EntityManager,
    row: AppointmentRow,
    now: Date,
    exclude: string[] = [],
  ): Promise<HeldSlot[]> {
    // No hold without a practitioner; with one, `hold` lets go of the earlier holds itself.
    if (!row.practitioner) await this.holds.release(m, row.id);
    const held = row.practitioner
      ? await this.holds.hold(m, {
          clinicId: row.clinic_id,
          practitioner: row.practitioner,
          appointmentId: row.id,
          from: now,
          to: new Date(now.getTime() + OFFER_WINDOW_MS),
          now,
          holdUntil: new Date(now.getTime() + HOLD_MS),
          limit: OFFER_SIZE,
          exclude,
        })
      : [];
    if (held.length === 0) {
      await this.offers.close(m, row.id, 'withdrawn', now);
      return [];
    }
    await this.offers.insert(
      m,
      row.clinic_id,
      row.id,
      held.map((s) => s.id),
      now,
      DueSignals.wake(HOLD_WORK, new Date(now.getTime() + HOLD_MS)),
    );
    return held;
  }

  /** Books the chosen slot; null when it was lost (booked or taken meanwhile). */
  async book(
    m: EntityManager,
    row: AppointmentRow,
    slotId: string,
    now: Date,
  ): Promise<HeldSlot | null> {
    const slot = await this.holds.book(m, slotId, row.id, row.duration_minutes, now);
    if (!slot) return null;
    await this.offers.close(m, row.id, 'booked', now, slot.id);
    return slot;
  }

  /** No offer is needed any more (kept the old time, cancelled): its holds go back. */
  async withdraw(m: EntityManager, appointmentId: string, now: Date): Promise<void> {
    await this.holds.release(m, appointmentId);
    await this.offers.close(m, appointmentId, 'withdrawn', now);
  }

  /** The time the appointment leaves becomes an open slot of its practitioner. */
  async freeTime(
    m: EntityManager,
    row: AppointmentRow,
    booked: string | null = null,
  ): Promise<void> {
    if (!row.practitioner) return;
    await this.holds.free(
      m,
      {
        clinicId: row.clinic_id,
        appointmentId: row.id,
        practitioner: row.practitioner,
        location: row.location,
        startsAt: row.starts_at,
        endsAt: row.ends_at,
        durationMinutes: row.duration_minutes,
      },
      booked,
    );
  }
}

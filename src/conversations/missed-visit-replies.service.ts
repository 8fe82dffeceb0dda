import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppointmentBooking } from '../appointments/appointment-booking.service';
import { AppointmentRow, AppointmentsRepository } from '../appointments/appointments.repository';
import { SlotHoldsRepository } from '../slots/slot-holds.repository';
import { MissedVisitsRepository } from '../waitlist/missed-visits.repository';
import { AppointmentReplies } from './appointment-replies.service';
import { ConversationsRepository } from './conversations.repository';
import { RescheduleOffersRepository } from './reschedule-offers.repository';
import { RescheduleOffers } from './reschedule-offers.service';
import type { ReplyTurn } from './reply-turn';

const about = (row: AppointmentRow) => ({ appointmentId: row.id, startsAt: row.starts_at });

/**
 * A patient's answer to the missed-visit follow-up: `R` within 7 days of it offers open times
 * as for a reschedule (held for the missed visit, which stays `no_show`), and the digit books a
 * NEW appointment (`rebookOf`: the missed one; confirmed, reminders planned, written back as
 * `appointment.booked`). The missed visit's row is locked for the transaction; the slot is taken
 * under its row lock, so exactly one booking gets it whatever races it.
 */
@Injectable()
export class MissedVisitReplies {
  constructor(
    private readonly missed: MissedVisitsRepository,
    private readonly appointments: AppointmentsRepository,
    private readonly offers: RescheduleOffers,
    private readonly offerRows: RescheduleOffersRepository,
    private readonly holds: SlotHoldsRepository,
    private readonly booking: AppointmentBooking,
    private readonly conversations: ConversationsRepository,
    private readonly replies: AppointmentReplies,
  ) {}

  /**
   * `R`: true when it was about a missed visit the patient was followed up on (see
   * MissedVisitsRepository.followedUp); `linked` is the appointment the reply was linked to.
   */
  async reschedule(m: EntityManager, turn: ReplyTurn, linked: string | null): Promise<boolean> {
    const missedId = await this.missed.followedUp(m, turn.patient.id, turn.now, linked);
    if (!missedId) return false;
    const row = await this.appointments.lockById(m, turn.clinic.id, missedId);
    if (!row || row.status !== 'no_show') return false;
    await this.offerTimes(m, turn, row, 'offer', []);
    return true;
  }

  /** A digit: true when the patient's newest open offer was made for a missed visit. */
  async pick(m: EntityManager, turn: ReplyTurn, choice: number): Promise<boolean> {
    const offer = await this.missed.openRebookOffer(m, turn.patient.id);
    if (!offer) return false;
    const row = await this.appointments.lockById(m, turn.clinic.id, offer.appointment_id);
    if (!row || row.status !== 'no_show') return false;
    const slotId = offer.slot_ids[choice - 1];
    if (!slotId) {
      await this.replies.unrecognized(m, turn, null);
      return true;
    }
    const slot = await this.holds.take(m, slotId, row.id, row.duration_minutes, turn.now);
    if (!slot) {
      await this.offerTimes(m, turn, row, 'offer_again', [slotId]);
      return true;
    }
    const endsAt = new Date(slot.starts_at.getTime() + row.duration_minutes * 60_000);
    const id = await this.booking.book(
      m,
      turn.clinic,
      {
        patientId: row.patient_id,
        patientTimezone: row.patient_timezone,
        startsAt: slot.starts_at,
        endsAt,
        durationMinutes: row.duration_minutes,
        practitioner: slot.practitioner,
        location: slot.location ?? row.location,
        type: row.type,
        filledFrom: null,
        rebookOf: row.id,
      },
      turn.now,
    );
    await this.holds.bookFor(m, slot.id, id, turn.now);
    // The other times offered go back.
    await this.holds.release(m, row.id);
    await this.offerRows.close(m, row.id, 'booked', turn.now, slot.id);
    await this.missed.markRebooked(m, row.id, id);
    turn.answers.add(turn, 'waitlist_booked', { appointmentId: id, startsAt: slot.starts_at });
    return true;
  }

  private async offerTimes(
    m: EntityManager,
    turn: ReplyTurn,
    row: AppointmentRow,
    kind: 'offer' | 'offer_again',
    exclude: string[],
  ): Promise<void> {
    const held = await this.offers.offer(m, row, turn.now, exclude);
    if (held.length === 0) {
      turn.answers.add(turn, 'no_slots', about(row));
      await this.conversations.flag(m, turn.clinic.id, turn.patient.phone, 'no_slots', turn.now);
      return;
    }
    turn.answers.add(turn, kind, { ...about(row), options: held.map((s) => s.starts_at) });
  }
}

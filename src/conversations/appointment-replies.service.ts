import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LIVE_STATUSES } from '../appointments/appointment.machine';
import { AppointmentWorkflowService } from '../appointments/appointment-workflow.service';
import { ConversationsRepository, LockedAppointment } from './conversations.repository';
import type { ReplyMeaning } from './reply-classifier';
import { RescheduleOffers } from './reschedule-offers.service';
import type { ReplyTurn } from './reply-turn';

export type AppointmentReply = Extract<
  ReplyMeaning,
  { kind: 'confirm' | 'cancel' | 'reschedule' | 'slot' | 'unrecognized' }
>;

/** An offer is open or a slot held: there is something to withdraw (read with the lock). */
const offering = (row: LockedAppointment) => row.open_offer !== null || row.holding;

const about = (row: LockedAppointment) => ({ appointmentId: row.id, startsAt: row.starts_at });

/**
 * What a reply does to the appointment it is about, with that appointment's row locked for the
 * whole transaction: the change through the machine, its history, reminders and calendar event
 * (AppointmentWorkflowService), the offer or booking, and the answer, all committed together.
 * Every answer names the appointment's day and time, so a patient with several knows which.
 */
@Injectable()
export class AppointmentReplies {
  constructor(
    private readonly workflow: AppointmentWorkflowService,
    private readonly offers: RescheduleOffers,
    private readonly conversations: ConversationsRepository,
  ) {}

  /**
   * `row`: the appointment, locked for this transaction (see ReplyWorkflowHandler). False when
   * it is no longer live (it changed since the reply was linked).
   */
  async apply(
    m: EntityManager,
    turn: ReplyTurn,
    row: LockedAppointment,
    reply: AppointmentReply,
  ): Promise<boolean> {
    if (!LIVE_STATUSES.includes(row.status)) return false;
    switch (reply.kind) {
      case 'confirm':
        await this.confirm(m, turn, row);
        break;
      case 'cancel':
        await this.cancel(m, turn, row);
        break;
      case 'reschedule':
        await this.reschedule(m, turn, row);
        break;
      case 'slot':
        await this.pick(m, turn, row, reply.choice);
        break;
      case 'unrecognized':
        await this.unrecognized(m, turn, row);
        break;
    }
    return true;
  }

  /** One short answer, then the conversation waits for staff without further answers. */
  async unrecognized(
    m: EntityManager,
    turn: ReplyTurn,
    row: LockedAppointment | null,
  ): Promise<void> {
    if (!turn.waitingForStaff) {
      turn.answers.add(
        turn,
        'unrecognized',
        row ? about(row) : { appointmentId: null, startsAt: null },
      );
    }
    await this.flag(m, turn, 'unrecognized_reply');
  }

  private async confirm(m: EntityManager, turn: ReplyTurn, row: LockedAppointment): Promise<void> {
    const r = await this.workflow.apply(m, turn.clinic, row, 'REPLY_CONFIRM', 'patient', turn.now);
    // Already confirmed: the first answer stands, nothing changes.
    if (!r.accepted) return;
    if (r.from === 'reschedule_requested' && offering(row)) {
      await this.offers.withdraw(m, row.id, turn.now);
    }
    turn.answers.add(turn, 'confirmed', about(row));
  }

  private async cancel(m: EntityManager, turn: ReplyTurn, row: LockedAppointment): Promise<void> {
    const r = await this.workflow.apply(m, turn.clinic, row, 'REPLY_CANCEL', 'patient', turn.now);
    if (!r.accepted) return;
    if (offering(row)) await this.offers.withdraw(m, row.id, turn.now);
    await this.offers.freeTime(m, row);
    turn.answers.add(turn, 'cancelled', about(row));
  }

  /** R asks for times; R again (the offer lost or lapsed) gets a fresh offer, no new event. */
  private async reschedule(
    m: EntityManager,
    turn: ReplyTurn,
    row: LockedAppointment,
  ): Promise<void> {
    if (row.status !== 'reschedule_requested') {
      const r = await this.workflow.apply(
        m,
        turn.clinic,
        row,
        'REPLY_RESCHEDULE',
        'patient',
        turn.now,
      );
      if (!r.accepted) return;
    }
    await this.offerTimes(m, turn, row, 'offer', []);
  }

  private async pick(
    m: EntityManager,
    turn: ReplyTurn,
    row: LockedAppointment,
    choice: number,
  ): Promise<void> {
    const slotId =
      row.status === 'reschedule_requested' ? (row.open_offer?.[choice - 1] ?? null) : null;
    // A digit with no open offer (or past its end) is just something we did not understand.
    if (!slotId) return this.unrecognized(m, turn, row);
    const slot = await this.offers.book(m, row, slotId, turn.now);
    if (!slot) {
      await this.offerTimes(m, turn, row, 'offer_again', [slotId]);
      return;
    }
    await this.offers.freeTime(m, row, slot.id);
    const startsAt = slot.starts_at;
    const endsAt = new Date(startsAt.getTime() + row.duration_minutes * 60_000);
    await this.workflow.apply(m, turn.clinic, row, 'REPLY_SLOT', 'patient', turn.now, {
      startsAt,
      endsAt,
    });
    turn.answers.add(turn, 'moved', { appointmentId: row.id, startsAt });
  }

  private async offerTimes(
    m: EntityManager,
    turn: ReplyTurn,
    row: LockedAppointment,
    kind: 'offer' | 'offer_again',
    exclude: string[],
  ): Promise<void> {
    const held = await this.offers.offer(m, row, turn.now, exclude);
    if (held.length === 0) {
      turn.answers.add(turn, 'no_slots', about(row));
      await this.flag(m, turn, 'no_slots');
      return;
    }
    turn.answers.add(turn, kind, {
      ...about(row),
      options: held.map((s) => s.starts_at),
    });
  }

  private flag(m: EntityManager, turn: ReplyTurn, reason: 'unrecognized_reply' | 'no_slots') {
    return this.conversations.flag(m, turn.clinic.id, turn.patient.phone, reason, turn.now);
  }
}

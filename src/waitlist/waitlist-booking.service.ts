import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isLive } from '../appointments/appointment.machine';
import { AppointmentBooking } from '../appointments/appointment-booking.service';
import {
  AppointmentWorkflowService,
  freedTimeOf,
} from '../appointments/appointment-workflow.service';
import { AppointmentRow, AppointmentsRepository } from '../appointments/appointments.repository';
import { FreedTime } from '../appointments/freed-time.port';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { WaitlistEntries } from './waitlist-entries.service';
import { OpenOffer, WaitlistRepository } from './waitlist.repository';

export type TakeResult =
  { outcome: 'booked' | 'moved'; appointmentId: string; startsAt: Date } | { outcome: 'taken' };

/** The patient a reply came from, as the reply flow knows them. */
export interface Taker {
  id: string;
  timezone: string | null;
}

/**
 * What a patient's text does to the waitlist, inside the reply's transaction: `1` takes the
 * newest open offer (exactly one patient gets any slot: the slot row is locked and re-checked,
 * see WaitlistRepository.lockBookable), and `W` puts the patient on the list for an earlier
 * time of their appointment.
 */
@Injectable()
export class WaitlistBookings {
  constructor(
    private readonly repo: WaitlistRepository,
    private readonly entries: WaitlistEntries,
    private readonly appointments: AppointmentsRepository,
    private readonly workflow: AppointmentWorkflowService,
    private readonly booking: AppointmentBooking,
    private readonly freed: FreedTime,
  ) {}

  /**
   * The open waitlist offer a digit from this patient means: their newest, unless a reschedule
   * offer of theirs is newer still.
   */
  async offerFor(m: EntityManager, patientId: string, now: Date): Promise<OpenOffer | null> {
    const offer = await this.repo.newestOpenOffer(m, patientId, now);
    if (!offer) return null;
    const reschedule = await this.repo.newestRescheduleOffer(m, patientId);
    return reschedule && reschedule > offer.created_at ? null : offer;
  }

  async take(
    m: EntityManager,
    clinic: ClinicEntity,
    patient: Taker,
    offer: OpenOffer,
    now: Date,
  ): Promise<TakeResult> {
    // The appointment first, then the slot: the order every booking takes its locks in.
    let row: AppointmentRow | null = offer.appointment_id
      ? await this.appointments.lockById(m, clinic.id, offer.appointment_id)
      : null;
    if (row && !isLive(row.status)) row = null;
    const length = row?.duration_minutes ?? offer.duration_minutes;
    const slot = await this.repo.lockBookable(m, offer.slot_id, row?.id ?? null, length, now);
    if (!slot) {
      await this.repo.closeTaken(m, offer.id, now);
      return { outcome: 'taken' };
    }
    const minutes = length ?? slot.duration_minutes;
    const endsAt = new Date(slot.starts_at.getTime() + minutes * 60_000);
    let appointmentId: string;
    if (row) {
      await this.workflow.apply(m, clinic, row, 'REPLY_WAITLIST_SLOT', 'patient', now, {
        startsAt: slot.starts_at,
        endsAt,
      });
      // The time it leaves is freed in turn, one step further down the cascade.
      await this.freed.record(m, freedTimeOf(row), 'moved', now, {
        keep: slot.id,
        cascadeDepth: slot.cascade_depth + 1,
      });
      appointmentId = row.id;
    } else {
      appointmentId = await this.booking.book(
        m,
        clinic,
        {
          patientId: patient.id,
          patientTimezone: patient.timezone,
          startsAt: slot.starts_at,
          endsAt,
          durationMinutes: minutes,
          practitioner: slot.practitioner,
          location: slot.location,
          type: offer.type ?? slot.type,
          filledFrom: offer.entry_id,
          rebookOf: null,
        },
        now,
      );
    }
    await this.repo.markBooked(m, slot.id, appointmentId, now);
    await this.repo.closeBooked(m, offer.entry_id, offer.id, appointmentId, now);
    return { outcome: row ? 'moved' : 'booked', appointmentId, startsAt: slot.starts_at };
  }

  /** W: the patient waits for an earlier time of this appointment (once; again is no change). */
  async join(m: EntityManager, row: AppointmentRow, now: Date): Promise<void> {
    await this.entries.add(
      m,
      {
        clinicId: row.clinic_id,
        patientId: row.patient_id,
        practitioner: row.practitioner,
        location: null,
        type: row.type,
        durationMinutes: row.duration_minutes,
        notBefore: null,
        notAfter: null,
        appointmentId: row.id,
        priority: 0,
        source: 'patient',
        at: now,
      },
      now,
    );
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { AppointmentReminders } from '../reminders/appointment-reminders.port';
import { MACHINE_VERSION } from './appointment.machine';
import { AppointmentWorkflowService } from './appointment-workflow.service';
import { AppointmentsRepository, BookedWrite } from './appointments.repository';

/**
 * An appointment Turnout books itself (a patient took freed time, or re-booked a missed visit),
 * in the caller's transaction: the row (`turnout-<id>`, confirmed, since the patient chose it),
 * its history, its reminders, and the `appointment.booked` event for the clinic's calendar.
 */
@Injectable()
export class AppointmentBooking {
  constructor(
    private readonly appointments: AppointmentsRepository,
    private readonly reminders: AppointmentReminders,
    private readonly workflow: AppointmentWorkflowService,
  ) {}

  async book(
    m: EntityManager,
    clinic: ClinicEntity,
    booking: BookedWrite & { patientTimezone: string | null },
    now: Date,
  ): Promise<string> {
    const id = await this.appointments.insertBooked(
      m,
      clinic.id,
      booking,
      'confirmed',
      MACHINE_VERSION,
    );
    await this.appointments.insertHistory(m, clinic.id, [
      {
        appointmentId: id,
        at: now,
        event: 'BOOKED',
        from: null,
        to: 'confirmed',
        source: 'patient',
        detail: booking.filledFrom
          ? { filledFrom: booking.filledFrom }
          : { rebookOf: booking.rebookOf },
      },
    ]);
    await this.reminders.plan(
      m,
      clinic,
      [{ appointmentId: id, startsAt: booking.startsAt, patientTimezone: booking.patientTimezone }],
      now,
    );
    await this.workflow.writeBack(m, clinic, id, 'appointment.booked', now);
    return id;
  }
}

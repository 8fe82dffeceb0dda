import type { EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import type { CalendarEventType } from './appointment.machine';
import type { AppointmentView } from './dto/appointment-view.dto';

export interface CalendarEvent {
  appointmentId: string;
  type: CalendarEventType;
  occurredAt: Date;
}

/**
 * Where the workflow's status changes go for the clinic's calendar: written in the transaction
 * that made the change, so a committed change is never lost on its way out and a rolled-back
 * one never leaves. `snapshot` reads the appointment as the clinic will see it (no messages);
 * it is called only when the clinic has somewhere to send it.
 */
export abstract class CalendarEvents {
  abstract record(
    m: EntityManager,
    clinic: ClinicEntity,
    event: CalendarEvent,
    snapshot: () => Promise<Omit<AppointmentView, 'messages'>>,
  ): Promise<void>;
}

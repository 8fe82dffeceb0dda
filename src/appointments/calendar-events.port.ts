import type { EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import type { CalendarEventType } from './appointment.machine';
import type { AppointmentView } from './dto/appointment-view.dto';

export interface CalendarEvent {
  appointmentId: string;
  type: CalendarEventType;
  occurredAt: Date;
  /** the appointment as it stands in the caller's transaction (no messages) */
  appointment: Omit<AppointmentView, 'messages'>;
}

/**
 * Where the workflow's status changes go for the clinic's calendar: written in the transaction
 * that made the change, so a committed change is never lost on its way out and a rolled-back
 * one never leaves. The caller reads the appointment only when `wants` says the clinic has
 * somewhere to send it.
 */
export abstract class CalendarEvents {
  abstract wants(clinic: ClinicEntity): boolean;
  abstract record(m: EntityManager, clinic: ClinicEntity, event: CalendarEvent): Promise<void>;
}

import type { EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';

export interface ReminderTarget {
  appointmentId: string;
  startsAt: Date;
  patientTimezone: string | null;
}

/**
 * How appointment changes reach the reminder plan, inside the caller's transaction, so an
 * appointment and its reminders can never disagree after a commit.
 */
export abstract class AppointmentReminders {
  /** Plan reminders for appointments that have none yet. */
  abstract plan(
    m: EntityManager,
    clinic: ClinicEntity,
    targets: ReminderTarget[],
    now: Date,
  ): Promise<void>;
  /** Cancel the pending reminders and plan anew (new time, new patient, reinstated). */
  abstract replan(
    m: EntityManager,
    clinic: ClinicEntity,
    targets: ReminderTarget[],
    now: Date,
  ): Promise<void>;
  /** Cancel pending reminders; sent ones stay in the history. */
  abstract cancelPending(m: EntityManager, appointmentIds: string[], now: Date): Promise<void>;
}

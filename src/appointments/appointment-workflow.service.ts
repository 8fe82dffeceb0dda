import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { AppointmentReminders } from '../reminders/appointment-reminders.port';
import {
  AppointmentEffect,
  AppointmentEventType,
  AppointmentStatus,
  decide,
} from './appointment.machine';
import { AppointmentRow, AppointmentsRepository } from './appointments.repository';
import type { EventSource } from './appointment-event.entity';

export type WorkflowResult =
  | { accepted: true; from: AppointmentStatus; to: AppointmentStatus; effects: AppointmentEffect[] }
  | { accepted: false; from: AppointmentStatus };

/**
 * Applies one machine event to a locked appointment: computes the next state with the pure
 * machine, saves it, writes the history and the reminder changes in the caller's transaction.
 * Effects that leave the database (texts, calendar calls) are returned for after the commit.
 */
@Injectable()
export class AppointmentWorkflowService {
  constructor(
    private readonly appointments: AppointmentsRepository,
    private readonly reminders: AppointmentReminders,
  ) {}

  async apply(
    m: EntityManager,
    clinic: ClinicEntity,
    row: AppointmentRow,
    event: AppointmentEventType,
    source: EventSource,
    now: Date,
    newTime?: { startsAt: Date; endsAt: Date },
  ): Promise<WorkflowResult> {
    const result = decide(row.status, { type: event });
    if (!result.accepted) return result;
    const startsAt = newTime?.startsAt ?? row.starts_at;
    const endsAt = newTime?.endsAt ?? row.ends_at;
    await this.appointments.updateStatusAndTime(m, row.id, { status: result.to, startsAt, endsAt });
    await this.appointments.insertHistory(m, clinic.id, [
      {
        appointmentId: row.id,
        at: now,
        event,
        from: row.status,
        to: result.to,
        source,
        detail: newTime ? { startsAt: startsAt.toISOString() } : null,
      },
    ]);
    const outside: AppointmentEffect[] = [];
    for (const effect of result.effects) {
      if (effect.type === 'cancelPendingReminders') {
        await this.reminders.cancelPending(m, [row.id], now);
      } else if (effect.type === 'replanReminders') {
        await this.reminders.replan(
          m,
          clinic,
          [{ appointmentId: row.id, startsAt, patientTimezone: row.patient_timezone }],
          now,
        );
      } else {
        outside.push(effect);
      }
    }
    return { accepted: true, from: result.from, to: result.to, effects: outside };
  }
}

import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { VISIT_ATTENDED_WORK } from '../common/due-work/due-kinds';
import { DueSignals } from '../common/due-work/due-signals';
import { AppointmentReminders } from '../reminders/appointment-reminders.port';
import {
  AppointmentEffect,
  AppointmentEventType,
  AppointmentStatus,
  CalendarEventType,
  decide,
} from './appointment.machine';
import { AppointmentRow, AppointmentsRepository, EventSource } from './appointments.repository';
import { AppointmentDetailsRepository } from './appointment-details.repository';
import { toAppointmentView } from './appointment-view.mapper';
import { CalendarEvents } from './calendar-events.port';
import { FreedReason, FreedTime } from './freed-time.port';

/** Statuses of a visit the patient came to: surveys and the risk model's outcomes follow them. */
const ATTENDED: readonly AppointmentStatus[] = ['arrived', 'completed'];

/**
 * Staff changes that give the appointment's time back, freed here. A patient's own cancel or
 * move frees it in the reply flow, which knows the slot it has just booked instead.
 */
const FREES: Partial<Record<AppointmentEventType, FreedReason>> = {
  STAFF_CANCEL: 'cancelled_by_staff',
  STAFF_RESCHEDULE: 'moved',
  STAFF_NO_SHOW: 'no_show',
};

export type WorkflowResult =
  | { accepted: true; from: AppointmentStatus; to: AppointmentStatus; effects: AppointmentEffect[] }
  | { accepted: false; from: AppointmentStatus };

/**
 * Applies one machine event to a locked appointment: computes the next state with the pure
 * machine, saves it, writes the history, the reminder changes and the calendar write-back event
 * in the caller's transaction, whoever caused it (patient, staff, system). Nothing here leaves
 * the database: the write-back outbox is delivered after the commit by its own worker.
 */
@Injectable()
export class AppointmentWorkflowService {
  constructor(
    private readonly appointments: AppointmentsRepository,
    private readonly reminders: AppointmentReminders,
    private readonly details: AppointmentDetailsRepository,
    private readonly calendar: CalendarEvents,
    private readonly freed: FreedTime,
    private readonly signals: DueSignals,
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
    await this.appointments.changeStatus(
      m,
      clinic.id,
      row.id,
      { status: result.to, startsAt, endsAt },
      {
        at: now,
        event,
        from: row.status,
        source,
        detail: newTime ? { startsAt: startsAt.toISOString() } : null,
      },
    );
    if (ATTENDED.includes(result.to) && !ATTENDED.includes(row.status)) {
      await this.signals.notify(m, VISIT_ATTENDED_WORK);
    }
    const reason = FREES[event];
    // A no-show frees time only when marked before the visit starts.
    if (reason && (event !== 'STAFF_NO_SHOW' || now < row.starts_at)) {
      await this.freed.record(m, freedTimeOf(row), reason, now);
    }
    // A missed visit the clinic follows up: its one text is due afterMinutes from now.
    if (result.to === 'no_show' && clinic.missedVisitFollowUpEnabled) {
      await this.appointments.recordMissed(m, {
        clinicId: clinic.id,
        appointmentId: row.id,
        patientId: row.patient_id,
        at: now,
        dueAt: new Date(now.getTime() + clinic.missedVisitFollowUpAfterMinutes * 60_000),
      });
    }
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
        await this.writeBack(m, clinic, row.id, effect.eventType, now);
      }
    }
    return result;
  }

  /** Records a change for the clinic's calendar, in the caller's transaction. */
  async writeBack(
    m: EntityManager,
    clinic: ClinicEntity,
    appointmentId: string,
    type: CalendarEventType,
    now: Date,
  ): Promise<void> {
    if (!this.calendar.wants(clinic)) return;
    const appointment = await this.snapshot(m, clinic.id, appointmentId);
    await this.calendar.record(m, clinic, { appointmentId, type, occurredAt: now, appointment });
  }

  /** The appointment as it stands in this transaction, as the calendar receives it. */
  private async snapshot(m: EntityManager, clinicId: string, id: string) {
    // One after another: the queries share the transaction's connection anyway.
    const row = await this.appointments.findById(clinicId, id, m);
    const reminders = await this.details.remindersFor([id], m);
    const history = await this.appointments.historyFor([id], m);
    return toAppointmentView(row!, reminders, history);
  }
}

/** The time a row occupies, as freed time. */
export function freedTimeOf(row: AppointmentRow) {
  return {
    clinicId: row.clinic_id,
    appointmentId: row.id,
    practitioner: row.practitioner,
    location: row.location,
    type: row.type,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    durationMinutes: row.duration_minutes,
  };
}

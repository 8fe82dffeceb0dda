import {
  AppointmentEventType,
  AppointmentStatus,
  CalendarEventType,
  decide,
  isLive,
} from './appointment.machine';

/** An uploaded appointment after validation and normalisation. */
export interface IncomingAppointment {
  index: number;
  externalId: string;
  phone: string;
  patientName: string | null;
  language: 'en' | 'es' | null;
  patientTimezone: string | null;
  /** documented opt-in the upload carries */
  consent: { method: string; at: Date; note: string | null } | null;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  practitioner: string | null;
  location: string | null;
  type: string | null;
  status: 'scheduled' | 'cancelled';
}

export interface ExistingAppointment {
  id: string;
  externalId: string;
  patientId: string;
  startsAt: Date;
  durationMinutes: number;
  practitioner: string | null;
  location: string | null;
  type: string | null;
  status: AppointmentStatus;
  /** who made the last status change: a reinstatement may only undo the clinic's own cancel */
  lastSource: string | null;
}

export type ImportDecision =
  | { kind: 'create' }
  | { kind: 'unchanged' }
  | {
      kind: 'update';
      status: AppointmentStatus;
      events: { type: AppointmentEventType; from: AppointmentStatus; to: AppointmentStatus }[];
      replan: boolean;
      cancelReminders: boolean;
      /** what the machine marks for the calendar (nothing today: the clinic made the change) */
      calendarEvents: CalendarEventType[];
    }
  | { kind: 'conflict'; message: string };

/**
 * What an upload does to an existing appointment. Pure: the caller has locked the row.
 * `scheduled` in an upload means "still on the clinic's books": it never undoes a patient's
 * confirmation or cancellation, only the clinic's own earlier cancel.
 */
export function decideImport(
  existing: ExistingAppointment | null,
  incoming: IncomingAppointment,
  patientId: string,
): ImportDecision {
  if (!existing) return { kind: 'create' };
  let status = existing.status;
  const events: { type: AppointmentEventType; from: AppointmentStatus; to: AppointmentStatus }[] =
    [];
  let replan = false;
  let cancelReminders = false;
  const calendarEvents: CalendarEventType[] = [];

  const apply = (type: AppointmentEventType): boolean => {
    const result = decide(status, { type });
    if (!result.accepted) return false;
    events.push({ type, from: status, to: result.to });
    for (const effect of result.effects) {
      if (effect.type === 'replanReminders') replan = true;
      if (effect.type === 'cancelPendingReminders') cancelReminders = true;
      if (effect.type === 'emitCalendarEvent') calendarEvents.push(effect.eventType);
    }
    status = result.to;
    return true;
  };

  if (incoming.status === 'cancelled' && status !== 'cancelled') {
    if (!apply('IMPORT_CANCEL')) {
      return {
        kind: 'conflict',
        message: `appointment is ${status}; cannot change it to cancelled`,
      };
    }
  } else if (
    incoming.status === 'scheduled' &&
    status === 'cancelled' &&
    existing.lastSource === 'import'
  ) {
    apply('IMPORT_REINSTATE');
  }

  const timeChanged = existing.startsAt.getTime() !== incoming.startsAt.getTime();
  if (timeChanged && status !== 'cancelled' && !replan) {
    if (!isLive(status) || !apply('IMPORT_RESCHEDULE')) {
      return { kind: 'conflict', message: `appointment is ${status}; cannot move it` };
    }
  }

  const patientChanged = existing.patientId !== patientId;
  const fieldsChanged =
    patientChanged ||
    existing.durationMinutes !== incoming.durationMinutes ||
    existing.practitioner !== incoming.practitioner ||
    existing.location !== incoming.location ||
    existing.type !== incoming.type;

  if (events.length === 0 && !timeChanged && !fieldsChanged) return { kind: 'unchanged' };
  if (patientChanged && isLive(status)) replan = true;
  return { kind: 'update', status, events, replan, cancelReminders, calendarEvents };
}

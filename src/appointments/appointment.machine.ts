import { setup, transition } from 'xstate';

/**
 * The appointment workflow, pure: no I/O, no timers. The service loads the stored status, asks
 * this machine what an event does, saves the result and performs the returned effects in the
 * same transaction (each a database write; what leaves the process goes after the commit from
 * an outbox). Due times (reminders, no-show grace) live in the database and reach the
 * machine as events, so nothing here depends on a process staying alive.
 *
 * State names are stored in `appointments.status` and shown by the API: never rename them.
 * Bump MACHINE_VERSION when the transitions change meaning.
 */
export const MACHINE_VERSION = 1;

export const APPOINTMENT_STATUSES = [
  'scheduled',
  'confirmed',
  'reschedule_requested',
  'cancelled',
  'arrived',
  'completed',
  'no_show',
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/**
 * Statuses in which the patient still expects to come: reminders go out, replies apply, the
 * upload may move it. Defined here, once; SQL receives it as a parameter.
 */
export const LIVE_STATUSES: readonly AppointmentStatus[] = [
  'scheduled',
  'confirmed',
  'reschedule_requested',
];

export function isLive(status: AppointmentStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

/** Statuses that give the practitioner's time back: every other appointment occupies it. */
export const FREED_STATUSES: readonly AppointmentStatus[] = ['cancelled', 'no_show'];

export type CalendarEventType =
  | 'appointment.confirmed'
  | 'appointment.cancelled'
  | 'appointment.rescheduled'
  | 'appointment.no_show'
  | 'appointment.reschedule_requested'
  /** an appointment Turnout itself booked (from the waitlist, or after a missed visit) */
  | 'appointment.booked';

export type AppointmentEvent =
  | { type: 'REPLY_CONFIRM' }
  | { type: 'REPLY_RESCHEDULE' }
  | { type: 'REPLY_SLOT' }
  | { type: 'REPLY_CANCEL' }
  | { type: 'REPLY_WAITLIST_SLOT' }
  | { type: 'STAFF_ARRIVED' }
  | { type: 'STAFF_COMPLETED' }
  | { type: 'STAFF_NO_SHOW' }
  | { type: 'STAFF_CANCEL' }
  | { type: 'STAFF_RESCHEDULE' }
  | { type: 'IMPORT_CANCEL' }
  | { type: 'IMPORT_RESCHEDULE' }
  | { type: 'IMPORT_REINSTATE' }
  | { type: 'NO_SHOW_TIMEOUT' };

export type AppointmentEventType = AppointmentEvent['type'];

/** Effects the caller performs in this order, in the transaction that saves the state. */
export type AppointmentEffect =
  | { type: 'cancelPendingReminders' }
  | { type: 'replanReminders' }
  | { type: 'emitCalendarEvent'; eventType: CalendarEventType };

const emit = (eventType: CalendarEventType) => ({
  type: 'emitCalendarEvent' as const,
  params: { eventType },
});

const CONFIRM = { target: 'confirmed', actions: [emit('appointment.confirmed')] } as const;
const REQUEST_RESCHEDULE = {
  target: 'reschedule_requested',
  actions: [emit('appointment.reschedule_requested')],
} as const;
const COMPLETE = { target: 'completed', actions: ['cancelPendingReminders'] } as const;

/** The patient took an earlier time offered from the waitlist: moved, and confirmed by taking it. */
const TAKE_EARLIER = {
  REPLY_WAITLIST_SLOT: {
    target: 'confirmed',
    actions: ['replanReminders', emit('appointment.rescheduled')],
  },
} as const;

/** Ways out of every live state (scheduled, confirmed, reschedule_requested). */
const CANCEL = {
  REPLY_CANCEL: {
    target: 'cancelled',
    actions: ['cancelPendingReminders', emit('appointment.cancelled')],
  },
  STAFF_CANCEL: {
    target: 'cancelled',
    actions: ['cancelPendingReminders', emit('appointment.cancelled')],
  },
  // The clinic cancelled it itself: no write-back to the calendar it came from.
  IMPORT_CANCEL: { target: 'cancelled', actions: ['cancelPendingReminders'] },
} as const;
const ATTEND = {
  STAFF_ARRIVED: { target: 'arrived', actions: ['cancelPendingReminders'] },
  STAFF_NO_SHOW: {
    target: 'no_show',
    actions: ['cancelPendingReminders', emit('appointment.no_show')],
  },
  NO_SHOW_TIMEOUT: {
    target: 'no_show',
    actions: ['cancelPendingReminders', emit('appointment.no_show')],
  },
} as const;
/** A new time needs a new confirmation: back to scheduled with a new reminder plan. */
const MOVE = {
  // Staff moved it: the calendar is told, like any move by Turnout.
  STAFF_RESCHEDULE: {
    target: 'scheduled',
    reenter: true,
    actions: ['replanReminders', emit('appointment.rescheduled')],
  },
  IMPORT_RESCHEDULE: { target: 'scheduled', reenter: true, actions: ['replanReminders'] },
} as const;

export const appointmentMachine = setup({
  types: { events: {} as AppointmentEvent },
  actions: {
    cancelPendingReminders: () => undefined,
    replanReminders: () => undefined,
    emitCalendarEvent: (_, _params: { eventType: CalendarEventType }) => undefined,
  },
}).createMachine({
  id: 'appointment',
  initial: 'scheduled',
  states: {
    scheduled: {
      on: {
        REPLY_CONFIRM: CONFIRM,
        REPLY_RESCHEDULE: REQUEST_RESCHEDULE,
        STAFF_COMPLETED: COMPLETE,
        ...TAKE_EARLIER,
        ...CANCEL,
        ...ATTEND,
        ...MOVE,
      },
    },
    confirmed: {
      on: {
        REPLY_RESCHEDULE: REQUEST_RESCHEDULE,
        STAFF_COMPLETED: COMPLETE,
        ...TAKE_EARLIER,
        ...CANCEL,
        ...ATTEND,
        ...MOVE,
      },
    },
    reschedule_requested: {
      on: {
        // The patient changed their mind and keeps the original time.
        REPLY_CONFIRM: CONFIRM,
        REPLY_SLOT: {
          target: 'confirmed',
          actions: ['replanReminders', emit('appointment.rescheduled')],
        },
        ...TAKE_EARLIER,
        ...CANCEL,
        ...ATTEND,
        ...MOVE,
      },
    },
    arrived: { on: { STAFF_COMPLETED: { target: 'completed' } } },
    // Staff correct an automatic no-show when the patient turns up late.
    no_show: { on: { STAFF_ARRIVED: { target: 'arrived' } } },
    // The clinic re-books an appointment it cancelled by uploading it as scheduled again.
    cancelled: { on: { IMPORT_REINSTATE: { target: 'scheduled', actions: ['replanReminders'] } } },
    completed: {},
  },
});

export type TransitionResult =
  | { accepted: true; from: AppointmentStatus; to: AppointmentStatus; effects: AppointmentEffect[] }
  | { accepted: false; from: AppointmentStatus };

/** What `event` does to an appointment in `status`. Pure. */
export function decide(status: AppointmentStatus, event: AppointmentEvent): TransitionResult {
  const snapshot = appointmentMachine.resolveState({ value: status, context: {} });
  if (!snapshot.can(event)) return { accepted: false, from: status };
  const [next, actions] = transition(appointmentMachine, snapshot, event);
  const effects = actions.map((action): AppointmentEffect => {
    if (action.type === 'emitCalendarEvent') {
      const params = action.params as { eventType: CalendarEventType };
      return { type: 'emitCalendarEvent', eventType: params.eventType };
    }
    return { type: action.type as 'cancelPendingReminders' | 'replanReminders' };
  });
  return { accepted: true, from: status, to: next.value, effects };
}

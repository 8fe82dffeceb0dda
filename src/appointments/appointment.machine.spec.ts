import {
  APPOINTMENT_STATUSES,
  AppointmentEventType,
  AppointmentStatus,
  decide,
} from './appointment.machine';

const ok = (from: AppointmentStatus, type: AppointmentEventType) => {
  const r = decide(from, { type });
  if (!r.accepted) throw new Error(`${type} refused in ${from}`);
  return r;
};

describe('appointment machine', () => {
  it('confirms a scheduled appointment and tells the calendar', () => {
    expect(ok('scheduled', 'REPLY_CONFIRM')).toEqual({
      accepted: true,
      from: 'scheduled',
      to: 'confirmed',
      effects: [{ type: 'emitCalendarEvent', eventType: 'appointment.confirmed' }],
    });
  });

  it('cancels from every live state, stopping reminders; an import cancel is not written back', () => {
    for (const from of ['scheduled', 'confirmed', 'reschedule_requested'] as const) {
      expect(ok(from, 'REPLY_CANCEL').effects).toEqual([
        { type: 'cancelPendingReminders' },
        { type: 'emitCalendarEvent', eventType: 'appointment.cancelled' },
      ]);
      expect(ok(from, 'IMPORT_CANCEL').effects).toEqual([{ type: 'cancelPendingReminders' }]);
    }
  });

  it('moving a confirmed appointment needs a new confirmation and a new reminder plan', () => {
    // a staff move is written back to the calendar; the calendar's own move (import) is not
    expect(ok('confirmed', 'STAFF_RESCHEDULE')).toMatchObject({
      to: 'scheduled',
      effects: [
        { type: 'replanReminders' },
        { type: 'emitCalendarEvent', eventType: 'appointment.rescheduled' },
      ],
    });
    expect(ok('scheduled', 'IMPORT_RESCHEDULE')).toMatchObject({
      to: 'scheduled',
      effects: [{ type: 'replanReminders' }],
    });
  });

  it('books an offered slot only while a reschedule was requested', () => {
    expect(ok('reschedule_requested', 'REPLY_SLOT')).toMatchObject({ to: 'confirmed' });
    expect(decide('scheduled', { type: 'REPLY_SLOT' }).accepted).toBe(false);
  });

  it('never leaves completed, and leaves cancelled only by the clinic reinstating it', () => {
    const events: AppointmentEventType[] = [
      'REPLY_CONFIRM',
      'REPLY_RESCHEDULE',
      'REPLY_SLOT',
      'REPLY_CANCEL',
      'STAFF_ARRIVED',
      'STAFF_COMPLETED',
      'STAFF_NO_SHOW',
      'STAFF_CANCEL',
      'STAFF_RESCHEDULE',
      'IMPORT_CANCEL',
      'IMPORT_RESCHEDULE',
      'IMPORT_REINSTATE',
      'NO_SHOW_TIMEOUT',
    ];
    for (const type of events) expect(decide('completed', { type }).accepted).toBe(false);
    expect(events.filter((type) => decide('cancelled', { type }).accepted)).toEqual([
      'IMPORT_REINSTATE',
    ]);
  });

  it('lets staff correct an automatic no-show when the patient arrives late', () => {
    expect(ok('no_show', 'STAFF_ARRIVED').to).toBe('arrived');
    expect(ok('arrived', 'STAFF_COMPLETED').to).toBe('completed');
  });

  it('knows every stored status', () => {
    for (const s of APPOINTMENT_STATUSES)
      expect(() => decide(s, { type: 'STAFF_CANCEL' })).not.toThrow();
  });
});

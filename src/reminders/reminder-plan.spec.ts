import type { QuietHours } from '../common/time/quiet-hours';
import {
  CATCH_UP_OFFSET,
  planReminders,
  replanReminders,
  type PlannedReminder,
  type ReminderPlanInput,
} from './reminder-plan';

const NIGHT: QuietHours = { start: '20:00', end: '08:00' };
const LONG_AGO = new Date('2026-01-01T00:00:00Z');

function plan(overrides: Partial<ReminderPlanInput> & Pick<ReminderPlanInput, 'startsAt'>) {
  return planReminders({
    offsets: ['P2D', 'PT2H'],
    zone: 'America/New_York',
    quietHours: NIGHT,
    now: LONG_AGO,
    ...overrides,
  });
}

const rows = (reminders: PlannedReminder[]) =>
  reminders.map(({ offset, dueAt, status, reason }) =>
    reason
      ? { offset, dueAt: dueAt.toISOString(), status, reason }
      : { offset, dueAt: dueAt.toISOString(), status },
  );

const pending = (offset: string, dueAt: string) => ({ offset, dueAt, status: 'pending' });
const tooLate = (offset: string, dueAt: string) => ({
  offset,
  dueAt,
  status: 'skipped',
  reason: 'too_late',
});

describe('planReminders', () => {
  describe('calendar-day offsets keep the wall time over DST weekends', () => {
    it('US: Monday 2026-03-09 09:30 EDT', () => {
      const reminders = plan({
        startsAt: new Date('2026-03-09T13:30:00Z'),
        offsets: ['P2D', 'P1D', 'PT2H'],
        quietHours: null,
      });
      expect(rows(reminders)).toEqual([
        pending('P2D', '2026-03-07T14:30:00.000Z'), // Saturday 09:30 EST, not 13:30Z (48 h)
        pending('P1D', '2026-03-08T13:30:00.000Z'), // Sunday 09:30 EDT
        pending('PT2H', '2026-03-09T11:30:00.000Z'),
      ]);
    });

    it('EU spring: Monday 2026-03-30 09:30 CEST in Berlin', () => {
      const reminders = plan({
        startsAt: new Date('2026-03-30T07:30:00Z'),
        offsets: ['P2D', 'P1D', 'PT2H'],
        zone: 'Europe/Berlin',
        quietHours: null,
      });
      expect(rows(reminders)).toEqual([
        pending('P2D', '2026-03-28T08:30:00.000Z'),
        pending('P1D', '2026-03-29T07:30:00.000Z'),
        pending('PT2H', '2026-03-30T05:30:00.000Z'),
      ]);
    });

    it('EU autumn: Monday 2026-10-26 09:30 CET in Berlin', () => {
      const reminders = plan({
        startsAt: new Date('2026-10-26T08:30:00Z'),
        offsets: ['P2D', 'P1D'],
        zone: 'Europe/Berlin',
        quietHours: null,
      });
      expect(rows(reminders)).toEqual([
        pending('P2D', '2026-10-24T07:30:00.000Z'),
        pending('P1D', '2026-10-25T08:30:00.000Z'),
      ]);
    });
  });

  describe('a calendar-day reminder whose wall time falls in a DST gap moves forward by the gap', () => {
    it.each([
      // New York 2027-03-14 02:00 -> 03:00: 02:19 the day before is 03:19 EDT.
      ['America/New_York', '2027-03-15T06:19:00Z', '2027-03-14T07:19:00.000Z'],
      // Lord Howe 2026-10-04 02:00 -> 02:30 (a 30-minute shift): 02:15 is 02:45 +11.
      ['Australia/Lord_Howe', '2026-10-04T15:15:00Z', '2026-10-03T15:45:00.000Z'],
      // Chatham 2026-09-27 02:45 -> 03:45: 03:10 is 04:10 +13:45.
      ['Pacific/Chatham', '2026-09-27T13:25:00Z', '2026-09-26T14:25:00.000Z'],
    ])('%s', (zone, startsAt, due) => {
      const reminders = plan({
        startsAt: new Date(startsAt),
        offsets: ['P1D'],
        zone,
        quietHours: null,
      });
      expect(rows(reminders)).toEqual([pending('P1D', due)]);
    });
  });

  it('subtracts time offsets as exact hours across the jump', () => {
    // 03:30 EDT on the spring-forward Sunday; two real hours earlier it was 00:30 EST.
    const reminders = plan({
      startsAt: new Date('2026-03-08T07:30:00Z'),
      offsets: ['PT2H'],
      quietHours: null,
    });
    expect(rows(reminders)).toEqual([pending('PT2H', '2026-03-08T05:30:00.000Z')]);
  });

  describe('quiet hours', () => {
    it('are read in the zone it is given (the patient’s)', () => {
      // 09:00 PST; 14 h earlier is 19:00 in Los Angeles but 22:00 in New York.
      const input = { startsAt: new Date('2026-12-02T17:00:00Z'), offsets: ['PT14H'] };
      expect(rows(plan({ ...input, zone: 'America/Los_Angeles' }))).toEqual([
        pending('PT14H', '2026-12-02T03:00:00.000Z'),
      ]);
      expect(rows(plan({ ...input, zone: 'America/New_York' }))).toEqual([
        pending('PT14H', '2026-12-02T13:00:00.000Z'),
      ]);
    });

    it('move a night-time reminder to the end of the window', () => {
      // PT2H before 09:30 EDT is 07:30: moved to 08:00.
      const reminders = plan({ startsAt: new Date('2026-03-09T13:30:00Z'), offsets: ['PT2H'] });
      expect(rows(reminders)).toEqual([pending('PT2H', '2026-03-09T12:00:00.000Z')]);
    });

    it('move it to 19:59 the evening before when 08:00 is too late', () => {
      // Appointment 07:30 EST: PT12H is 19:30 (fine); PT1H is 06:30, quiet until after the start.
      const reminders = plan({
        startsAt: new Date('2026-12-02T12:30:00Z'),
        offsets: ['PT1H', 'PT12H'],
      });
      expect(rows(reminders)).toEqual([
        pending('PT12H', '2026-12-02T00:30:00.000Z'),
        pending('PT1H', '2026-12-02T00:59:00.000Z'),
      ]);
    });

    it('send nothing twice when two offsets land on the same minute', () => {
      // 09:00 EST: PT12H (21:00) and PT10H (23:00) both move to 08:00; the larger one stays.
      const reminders = plan({
        startsAt: new Date('2026-12-02T14:00:00Z'),
        offsets: ['PT10H', 'PT12H'],
      });
      expect(rows(reminders)).toEqual([
        pending('PT12H', '2026-12-02T13:00:00.000Z'),
        {
          offset: 'PT10H',
          dueAt: '2026-12-02T13:00:00.000Z',
          status: 'skipped',
          reason: 'same_time',
        },
      ]);
    });

    it('are ignored when null', () => {
      const reminders = plan({
        startsAt: new Date('2026-12-02T12:30:00Z'),
        offsets: ['PT1H'],
        quietHours: null,
      });
      expect(rows(reminders)).toEqual([pending('PT1H', '2026-12-02T11:30:00.000Z')]);
    });
  });

  describe('late bookings', () => {
    const startsAt = new Date('2026-12-02T15:00:00Z'); // 10:00 EST

    it('skips offsets already past and keeps the rest', () => {
      const reminders = plan({ startsAt, now: new Date('2026-12-01T12:00:00Z') });
      expect(rows(reminders)).toEqual([
        tooLate('P2D', '2026-11-30T15:00:00.000Z'),
        pending('PT2H', '2026-12-02T13:00:00.000Z'),
      ]);
    });

    it('skips a reminder due exactly now', () => {
      const reminders = plan({ startsAt, now: new Date('2026-12-02T13:00:00Z') });
      expect(reminders[1]).toMatchObject({ offset: 'PT2H', status: 'skipped', reason: 'too_late' });
    });

    it('adds one catch-up due now when every offset is past', () => {
      const now = new Date('2026-12-02T13:30:00Z');
      expect(rows(plan({ startsAt, now }))).toEqual([
        tooLate('P2D', '2026-11-30T15:00:00.000Z'),
        tooLate('PT2H', '2026-12-02T13:00:00.000Z'),
        pending(CATCH_UP_OFFSET, '2026-12-02T13:30:00.000Z'),
      ]);
    });

    it('holds a catch-up booked at night until the window ends', () => {
      const now = new Date('2026-12-02T11:00:00Z'); // 06:00 EST
      expect(rows(plan({ startsAt, now, offsets: ['P1D'] }))).toEqual([
        tooLate('P1D', '2026-12-01T15:00:00.000Z'),
        pending(CATCH_UP_OFFSET, '2026-12-02T13:00:00.000Z'),
      ]);
    });

    it('skips a catch-up that quiet hours would hold past the start', () => {
      // Booked at 05:00 EST for 07:30 EST: quiet until 08:00.
      const now = new Date('2026-12-02T10:00:00Z');
      const reminders = plan({ startsAt: new Date('2026-12-02T12:30:00Z'), now, offsets: ['P1D'] });
      expect(rows(reminders)).toEqual([
        tooLate('P1D', '2026-12-01T13:00:00.000Z'), // 07:30 EST, itself held to 08:00
        {
          offset: CATCH_UP_OFFSET,
          dueAt: '2026-12-02T10:00:00.000Z',
          status: 'skipped',
          reason: 'quiet_hours',
        },
      ]);
    });

    it('adds no catch-up when the start is an hour away or less', () => {
      const within = plan({ startsAt, now: new Date('2026-12-02T14:10:00Z') });
      expect(within.map((r) => r.status)).toEqual(['skipped', 'skipped']);
      const exactlyOneHour = plan({ startsAt, now: new Date('2026-12-02T14:00:00Z') });
      expect(exactlyOneHour).toHaveLength(2);
    });

    it('adds no catch-up after the start', () => {
      expect(plan({ startsAt, now: new Date('2026-12-02T16:00:00Z') })).toHaveLength(2);
    });

    it('honours a custom lead', () => {
      const now = new Date('2026-12-02T14:10:00Z');
      const reminders = plan({ startsAt, now, catchUpMinLeadMs: 30 * 60_000 });
      expect(reminders.at(-1)).toMatchObject({ offset: CATCH_UP_OFFSET, status: 'pending' });
    });

    it('plans nothing, not even a catch-up, for a clinic without offsets', () => {
      expect(plan({ startsAt, offsets: [], now: new Date('2026-12-02T10:00:00Z') })).toEqual([]);
    });
  });

  describe('offsets', () => {
    const startsAt = new Date('2026-12-02T15:00:00Z');

    it('are de-duplicated by meaning, keeping the first spelling', () => {
      const reminders = plan({
        startsAt,
        offsets: ['P2D', 'PT90M', 'P1W', 'P2D', 'PT1H30M', 'P7D'],
        quietHours: null,
      });
      expect(reminders.map((r) => r.offset)).toEqual(['P1W', 'P2D', 'PT90M']);
    });

    it('give the same plan in any order', () => {
      const a = plan({ startsAt, offsets: ['PT2H', 'P1D', 'P2D', 'PT30S'] });
      const b = plan({ startsAt, offsets: ['PT30S', 'P2D', 'PT2H', 'P1D'] });
      expect(rows(a)).toEqual(rows(b));
      expect(a.map((r) => r.offset)).toEqual(['P2D', 'P1D', 'PT2H', 'PT30S']);
    });

    it('break ties between equal instants by spelling, not by input order', () => {
      // P1D and PT24H are the same instant on a day without a DST change.
      const a = plan({ startsAt, offsets: ['P1D', 'PT24H'], quietHours: null });
      const b = plan({ startsAt, offsets: ['PT24H', 'P1D'], quietHours: null });
      expect(rows(a)).toEqual(rows(b));
      expect(a.map((r) => [r.offset, r.status])).toEqual([
        ['P1D', 'pending'],
        ['PT24H', 'skipped'],
      ]);
    });

    it('must be ISO 8601 durations', () => {
      expect(() => plan({ startsAt, offsets: ['2 days'] })).toThrow(RangeError);
    });
  });
});

describe('replanReminders', () => {
  it('cancels only the pending rows and plans afresh for the new start', () => {
    const existing = [
      { id: 'a', status: 'sent' },
      { id: 'b', status: 'pending' },
      { id: 'c', status: 'sending' },
      { id: 'd', status: 'skipped' },
    ];
    const input = {
      startsAt: new Date('2026-12-09T15:00:00Z'),
      offsets: ['P2D', 'PT2H'],
      zone: 'America/New_York',
      quietHours: NIGHT,
      now: new Date('2026-12-02T12:00:00Z'),
    };
    const { cancel, plan: fresh } = replanReminders(existing, input);
    expect(cancel.map((r) => r.id)).toEqual(['b']);
    expect(fresh).toEqual(planReminders(input));
  });
});

import { officeHoursProblem, staffReplyAt, type OfficeHours } from './office-hours';

const WEEKDAYS: OfficeHours = {
  mon: ['08:00', '17:00'],
  tue: ['08:00', '17:00'],
  wed: ['08:00', '17:00'],
  thu: ['08:00', '17:00'],
  fri: ['08:00', '12:30'],
  sat: null,
};
const CHICAGO = 'America/Chicago';

describe('staffReplyAt', () => {
  // 2026-12-07 is a Monday; 2026-11-01 (Sunday) Chicago falls back from CDT (-5) to CST (-6);
  // 2026-03-08 (Sunday) it springs forward from CST to CDT.
  it.each([
    [
      'open now: before closing',
      '2026-12-07T15:00:00Z',
      { when: 'today_by', time: { hour: 17, minute: 0 } },
    ],
    [
      'before opening',
      '2026-12-07T13:30:00Z',
      { when: 'today_from', time: { hour: 8, minute: 0 } },
    ],
    [
      'at opening exactly',
      '2026-12-07T14:00:00Z',
      { when: 'today_by', time: { hour: 17, minute: 0 } },
    ],
    [
      'at closing exactly: tomorrow',
      '2026-12-07T23:00:00Z',
      { when: 'tomorrow_from', time: { hour: 8, minute: 0 } },
    ],
    [
      'Monday night, UTC already Tuesday',
      '2026-12-08T04:00:00Z',
      { when: 'tomorrow_from', time: { hour: 8, minute: 0 } },
    ],
    [
      'Friday short day',
      '2026-12-11T17:00:00Z',
      { when: 'today_by', time: { hour: 12, minute: 30 } },
    ],
    [
      'Friday afternoon: over the weekend to Monday',
      '2026-12-11T19:00:00Z',
      { when: 'weekday_from', weekday: 1, time: { hour: 8, minute: 0 } },
    ],
    [
      'Saturday (closed, null)',
      '2026-12-12T16:00:00Z',
      { when: 'weekday_from', weekday: 1, time: { hour: 8, minute: 0 } },
    ],
    [
      'Sunday (left out, closed)',
      '2026-12-13T16:00:00Z',
      { when: 'tomorrow_from', time: { hour: 8, minute: 0 } },
    ],
    [
      'Friday before the fall-back, 08:30 CDT',
      '2026-10-30T13:30:00Z',
      { when: 'today_by', time: { hour: 12, minute: 30 } },
    ],
    [
      'Monday after the fall-back, same UTC hour is 07:30 CST',
      '2026-11-02T13:30:00Z',
      { when: 'today_from', time: { hour: 8, minute: 0 } },
    ],
    [
      'the fall-back night itself, 01:30 CST',
      '2026-11-01T07:30:00Z',
      { when: 'tomorrow_from', time: { hour: 8, minute: 0 } },
    ],
    [
      'Monday after the spring-forward, 07:30 CDT',
      '2026-03-09T12:30:00Z',
      { when: 'today_from', time: { hour: 8, minute: 0 } },
    ],
    [
      'Monday after the spring-forward, 08:30 CDT',
      '2026-03-09T13:30:00Z',
      { when: 'today_by', time: { hour: 17, minute: 0 } },
    ],
  ])('%s (%s)', (_, now, expected) => {
    expect(staffReplyAt(new Date(now), CHICAGO, WEEKDAYS)).toEqual(expected);
  });

  it('a clinic open one day a week answers that day, a week ahead at most', () => {
    const wednesdays: OfficeHours = { wed: ['10:00', '14:00'] };
    expect(staffReplyAt(new Date('2026-12-09T21:00:00Z'), CHICAGO, wednesdays)).toEqual({
      when: 'weekday_from',
      weekday: 3,
      time: { hour: 10, minute: 0 },
    });
  });

  it('promises nothing when the clinic has no open day', () => {
    expect(staffReplyAt(new Date('2026-12-07T15:00:00Z'), CHICAGO, {})).toBeNull();
    expect(staffReplyAt(new Date('2026-12-07T15:00:00Z'), CHICAGO, { mon: null })).toBeNull();
  });

  it('reads the day in the clinic zone, not UTC', () => {
    // 2026-12-08T01:00Z is Monday 19:00 in Chicago and Tuesday 10:00 in Tokyo.
    const at = new Date('2026-12-08T01:00:00Z');
    expect(staffReplyAt(at, CHICAGO, WEEKDAYS)?.when).toBe('tomorrow_from');
    expect(staffReplyAt(at, 'Asia/Tokyo', WEEKDAYS)?.when).toBe('today_by');
  });
});

describe('officeHoursProblem', () => {
  it.each([
    [{ mon: ['08:00', '17:00'], sat: null }, null],
    [{}, null],
    [{ monday: ['08:00', '17:00'] }, 'monday'],
    [{ mon: ['8:00', '17:00'] }, 'mon'],
    [{ mon: ['08:00', '24:00'] }, 'mon'],
    [{ mon: ['17:00', '08:00'] }, 'mon'],
    [{ mon: ['08:00', '08:00'] }, 'mon'],
    [{ mon: ['08:00'] }, 'mon'],
    [{ mon: 'all day' }, 'mon'],
  ])('%j: %s', (input, day) => {
    expect(officeHoursProblem(input)?.day ?? null).toBe(day);
  });

  it.each([null, [], 'mon'])('%j is not an object of days', (input) => {
    expect(officeHoursProblem(input)).not.toBeNull();
  });
});

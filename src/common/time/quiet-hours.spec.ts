import {
  applyQuietHours,
  isInQuietHours,
  isValidQuietHours,
  parseHHmm,
  type QuietHours,
} from './quiet-hours';

const NEW_YORK = 'America/New_York';
const LOS_ANGELES = 'America/Los_Angeles';
const NIGHT: QuietHours = { start: '20:00', end: '08:00' };
const LUNCH: QuietHours = { start: '12:00', end: '13:00' };

const at = (text: string): Date => new Date(text);
const moved = (due: string, startsAt: string, zone: string, qh: QuietHours | null): string =>
  applyQuietHours(at(due), at(startsAt), zone, qh).toISOString();

describe('parseHHmm', () => {
  it.each([
    ['00:00', 0],
    ['08:00', 480],
    ['20:00', 1200],
    ['23:59', 1439],
  ])('%s', (text, minutes) => expect(parseHHmm(text)).toBe(minutes));

  it.each(['', '24:00', '8:00', '20:0', '20:60', '2000', ' 20:00', '20:00:00', 'ab:cd'])(
    'rejects %j',
    (text) => expect(parseHHmm(text)).toBeNull(),
  );
});

describe('isValidQuietHours', () => {
  it('accepts wrapping and plain windows', () => {
    expect(isValidQuietHours(NIGHT)).toBe(true);
    expect(isValidQuietHours(LUNCH)).toBe(true);
  });

  it('rejects an empty window and bad times', () => {
    expect(isValidQuietHours({ start: '20:00', end: '20:00' })).toBe(false);
    expect(isValidQuietHours({ start: '20:00', end: '8:00' })).toBe(false);
  });
});

describe('isInQuietHours', () => {
  it.each([
    ['2026-12-02T00:59:59Z', false], // 19:59:59 EST
    ['2026-12-02T01:00:00Z', true], // 20:00
    ['2026-12-02T08:00:00Z', true], // 03:00
    ['2026-12-02T12:59:59Z', true], // 07:59:59
    ['2026-12-02T13:00:00Z', false], // 08:00
  ])('20:00-08:00 in New York at %s', (instant, expected) => {
    expect(isInQuietHours(at(instant), NEW_YORK, NIGHT)).toBe(expected);
  });

  it.each([
    ['2026-12-01T16:59:00Z', false], // 11:59 EST
    ['2026-12-01T17:00:00Z', true], // 12:00
    ['2026-12-01T17:59:00Z', true], // 12:59
    ['2026-12-01T18:00:00Z', false], // 13:00
    ['2026-12-02T05:00:00Z', false], // 00:00
  ])('12:00-13:00 in New York at %s', (instant, expected) => {
    expect(isInQuietHours(at(instant), NEW_YORK, LUNCH)).toBe(expected);
  });

  it('reads the wall clock of the zone it is given', () => {
    // 20:30 in New York is 17:30 in Los Angeles.
    const instant = at('2026-12-02T01:30:00Z');
    expect(isInQuietHours(instant, NEW_YORK, NIGHT)).toBe(true);
    expect(isInQuietHours(instant, LOS_ANGELES, NIGHT)).toBe(false);
  });

  it('is never quiet without a window or with an empty one', () => {
    const instant = at('2026-12-02T06:00:00Z');
    expect(isInQuietHours(instant, NEW_YORK, null)).toBe(false);
    expect(isInQuietHours(instant, NEW_YORK, { start: '01:00', end: '01:00' })).toBe(false);
  });

  it('refuses a malformed window instead of guessing', () => {
    expect(() =>
      isInQuietHours(at('2026-12-02T06:00:00Z'), NEW_YORK, { start: 'x', end: '08:00' }),
    ).toThrow(RangeError);
  });
});

describe('applyQuietHours', () => {
  it('leaves a time outside the window alone', () => {
    expect(moved('2026-12-01T22:00:00Z', '2026-12-02T15:00:00Z', NEW_YORK, NIGHT)).toBe(
      '2026-12-01T22:00:00.000Z',
    );
    expect(moved('2026-12-02T03:00:00Z', '2026-12-02T15:00:00Z', NEW_YORK, null)).toBe(
      '2026-12-02T03:00:00.000Z',
    );
  });

  it('moves an evening time to 08:00 the next morning', () => {
    // 21:00 EST, appointment 10:00 the next day.
    expect(moved('2026-12-02T02:00:00Z', '2026-12-02T15:00:00Z', NEW_YORK, NIGHT)).toBe(
      '2026-12-02T13:00:00.000Z',
    );
  });

  it('moves an early-morning time to 08:00 the same morning', () => {
    // 06:30 EST, appointment 08:01.
    expect(moved('2026-12-02T11:30:00Z', '2026-12-02T13:01:00Z', NEW_YORK, NIGHT)).toBe(
      '2026-12-02T13:00:00.000Z',
    );
  });

  it('moves to 19:59 the evening before when 08:00 is not before the appointment', () => {
    // 06:30 EST; appointment 07:30, then exactly 08:00 (not strictly after the window).
    expect(moved('2026-12-02T11:30:00Z', '2026-12-02T12:30:00Z', NEW_YORK, NIGHT)).toBe(
      '2026-12-02T00:59:00.000Z',
    );
    expect(moved('2026-12-02T11:30:00Z', '2026-12-02T13:00:00Z', NEW_YORK, NIGHT)).toBe(
      '2026-12-02T00:59:00.000Z',
    );
  });

  it('handles windows that do not wrap midnight', () => {
    // 12:30 EST: to 13:00 before a 15:00 appointment, to 11:59 before a 12:45 one.
    expect(moved('2026-12-01T17:30:00Z', '2026-12-01T20:00:00Z', NEW_YORK, LUNCH)).toBe(
      '2026-12-01T18:00:00.000Z',
    );
    expect(moved('2026-12-01T17:30:00Z', '2026-12-01T17:45:00Z', NEW_YORK, LUNCH)).toBe(
      '2026-12-01T16:59:00.000Z',
    );
  });

  it('uses the patient zone, not the clinic zone', () => {
    // 21:00 in New York is 18:00 in Los Angeles.
    const due = '2026-12-02T02:00:00Z';
    const startsAt = '2026-12-02T17:00:00Z';
    expect(moved(due, startsAt, LOS_ANGELES, NIGHT)).toBe('2026-12-02T02:00:00.000Z');
    expect(moved(due, startsAt, NEW_YORK, NIGHT)).toBe('2026-12-02T13:00:00.000Z');
  });

  describe('across DST changes', () => {
    it('ends the night at 08:00 EDT after the spring-forward night began at 20:00 EST', () => {
      // 22:00 EST on Saturday 2026-03-07.
      const due = '2026-03-08T03:00:00Z';
      expect(moved(due, '2026-03-08T14:00:00Z', NEW_YORK, NIGHT)).toBe('2026-03-08T12:00:00.000Z');
      expect(moved(due, '2026-03-08T11:00:00Z', NEW_YORK, NIGHT)).toBe('2026-03-08T00:59:00.000Z');
    });

    it('ends the night at 08:00 EST after the fall-back night began at 20:00 EDT', () => {
      const due = '2026-11-01T03:00:00Z'; // 23:00 EDT on Saturday
      expect(moved(due, '2026-11-01T15:00:00Z', NEW_YORK, NIGHT)).toBe('2026-11-01T13:00:00.000Z');
      expect(moved(due, '2026-11-01T12:00:00Z', NEW_YORK, NIGHT)).toBe('2026-10-31T23:59:00.000Z');
    });

    it('ends at the jump when the end time is skipped', () => {
      // 00:00-02:30 on 2026-03-08: 02:30 never shows, the window ends at 03:00 EDT.
      const qh = { start: '00:00', end: '02:30' };
      const due = at('2026-03-08T06:30:00Z'); // 01:30 EST
      const end = applyQuietHours(due, at('2026-03-08T14:00:00Z'), NEW_YORK, qh);
      expect(end.toISOString()).toBe('2026-03-08T07:00:00.000Z');
      expect(isInQuietHours(end, NEW_YORK, qh)).toBe(false);
    });

    it('begins at the jump when the start time is skipped', () => {
      // 02:30-06:00 on 2026-03-08 begins at 03:00 EDT; the minute before is 01:59 EST.
      const qh = { start: '02:30', end: '06:00' };
      expect(moved('2026-03-08T08:00:00Z', '2026-03-08T09:00:00Z', NEW_YORK, qh)).toBe(
        '2026-03-08T06:59:00.000Z',
      );
    });

    it('ends at the next occurrence when the end time repeats', () => {
      // 00:00-01:30 on 2026-11-01: 01:10 EST comes after the first 01:30 (EDT), so the
      // window it is in ends at the second 01:30 (EST).
      const qh = { start: '00:00', end: '01:30' };
      expect(moved('2026-11-01T06:10:00Z', '2026-11-01T14:00:00Z', NEW_YORK, qh)).toBe(
        '2026-11-01T06:30:00.000Z',
      );
      expect(moved('2026-11-01T05:10:00Z', '2026-11-01T14:00:00Z', NEW_YORK, qh)).toBe(
        '2026-11-01T05:30:00.000Z',
      );
    });
  });
});

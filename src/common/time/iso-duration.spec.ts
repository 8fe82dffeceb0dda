import {
  isWithinMaxOffset,
  durationToMs,
  formatIsoDuration,
  isPositiveDuration,
  parseIsoDuration,
  shiftWallDate,
  subtractOffset,
  type IsoDuration,
} from './iso-duration';
import { parseStartsAt, type WallTime } from './starts-at';

const NONE: IsoDuration = {
  years: 0,
  months: 0,
  weeks: 0,
  days: 0,
  hours: 0,
  minutes: 0,
  seconds: 0,
};

function duration(text: string): IsoDuration {
  const parsed = parseIsoDuration(text);
  if (!parsed) throw new Error(`${text} did not parse`);
  return parsed;
}

const minus = (startsAt: string, offset: string, zone: string): string =>
  subtractOffset(parseStartsAt(startsAt, zone), duration(offset), zone).toISOString();

describe('parseIsoDuration', () => {
  it.each([
    ['P2D', { days: 2 }],
    ['PT2H', { hours: 2 }],
    ['PT30S', { seconds: 30 }],
    ['P1W', { weeks: 1 }],
    [
      'P1Y2M3W4DT5H6M7S',
      { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 },
    ],
    ['P1M', { months: 1 }],
    ['PT1M', { minutes: 1 }],
    ['P0D', {}],
    ['PT90M', { minutes: 90 }],
  ])('%s', (text, parts) => {
    expect(parseIsoDuration(text)).toEqual({ ...NONE, ...parts });
  });

  it.each([
    '',
    'P',
    'PT',
    'P1DT',
    'p1d',
    'P1d',
    'pt2h',
    '-P1D',
    'P-1D',
    '+P1D',
    'PT1.5H',
    'PT0.5S',
    'PT1,5S',
    'P1H',
    'PT1D',
    'P1D2M',
    'P 1D',
    'P1D ',
    '2D',
    'P1234567890D',
  ])('rejects %j', (text) => {
    expect(parseIsoDuration(text)).toBeNull();
  });
});

describe('formatIsoDuration', () => {
  it.each([
    ['P2D', 'P2D'],
    ['PT2H', 'PT2H'],
    ['PT30S', 'PT30S'],
    ['PT90M', 'PT1H30M'],
    ['PT3600S', 'PT1H'],
    ['PT48H', 'PT48H'],
    ['P1W', 'P7D'],
    ['P1W2D', 'P9D'],
    ['P14M', 'P1Y2M'],
    ['P0Y2DT0H', 'P2D'],
    ['P0D', 'PT0S'],
    ['P1DT1S', 'P1DT1S'],
  ])('%s -> %s', (text, canonical) => {
    expect(formatIsoDuration(duration(text))).toBe(canonical);
  });

  it('round-trips its own output', () => {
    for (const text of ['P1Y2M9DT3H4M5S', 'PT1H30M', 'P7D']) {
      expect(formatIsoDuration(duration(formatIsoDuration(duration(text))))).toBe(text);
    }
  });

  it('refuses parts that no parse could produce', () => {
    expect(() => formatIsoDuration({ ...NONE, hours: -1 })).toThrow(RangeError);
    expect(() => formatIsoDuration({ ...NONE, seconds: 0.5 })).toThrow(RangeError);
  });
});

describe('durationToMs and isPositiveDuration', () => {
  it('gives exact lengths for time-only durations', () => {
    expect(durationToMs(duration('PT2H'))).toBe(7_200_000);
    expect(durationToMs(duration('PT1H30M15S'))).toBe(5_415_000);
    expect(durationToMs(duration('PT0S'))).toBe(0);
  });

  it('has no fixed length for calendar parts', () => {
    expect(durationToMs(duration('P1D'))).toBeNull();
    expect(durationToMs(duration('P1W'))).toBeNull();
    expect(durationToMs(duration('P1M'))).toBeNull();
  });

  it('knows zero from positive', () => {
    expect(isPositiveDuration(duration('P0D'))).toBe(false);
    expect(isPositiveDuration(duration('PT0H0M0S'))).toBe(false);
    expect(isPositiveDuration(duration('PT1S'))).toBe(true);
    expect(isPositiveDuration(duration('P1Y'))).toBe(true);
  });
});

describe('shiftWallDate', () => {
  const at = (year: number, month: number, day: number): WallTime => ({
    year,
    month,
    day,
    hour: 9,
    minute: 30,
    second: 0,
    millisecond: 0,
  });

  it('clamps to the end of a shorter month and crosses years', () => {
    expect(shiftWallDate(at(2026, 3, 31), 1, 0)).toEqual(at(2026, 2, 28));
    expect(shiftWallDate(at(2028, 3, 31), 1, 0)).toEqual(at(2028, 2, 29));
    expect(shiftWallDate(at(2026, 1, 15), 2, 0)).toEqual(at(2025, 11, 15));
    expect(shiftWallDate(at(2026, 3, 1), 0, 1)).toEqual(at(2026, 2, 28));
    expect(shiftWallDate(at(2026, 12, 31), 0, -1)).toEqual(at(2027, 1, 1));
  });
});

describe('subtractOffset', () => {
  describe('calendar days keep the wall time across a DST change', () => {
    it.each([
      // Monday after the US change: Saturday is EST (-05:00), Monday EDT (-04:00).
      ['2026-03-09T09:30', 'P2D', 'America/New_York', '2026-03-07T14:30:00.000Z'],
      ['2026-03-09T09:30', 'P1D', 'America/New_York', '2026-03-08T13:30:00.000Z'],
      ['2026-11-02T09:30', 'P2D', 'America/New_York', '2026-10-31T13:30:00.000Z'],
      ['2026-03-30T09:30', 'P2D', 'Europe/Berlin', '2026-03-28T08:30:00.000Z'],
      ['2026-10-26T09:30', 'P2D', 'Europe/Berlin', '2026-10-24T07:30:00.000Z'],
      ['2026-03-16T09:30', 'P1W', 'America/New_York', '2026-03-09T13:30:00.000Z'],
      ['2026-04-15T09:30', 'P1M', 'America/New_York', '2026-03-15T13:30:00.000Z'],
    ])('%s minus %s in %s', (startsAt, offset, zone, expected) => {
      expect(minus(startsAt, offset, zone)).toBe(expected);
    });

    it('differs from subtracting 48 exact hours', () => {
      expect(minus('2026-03-09T09:30', 'PT48H', 'America/New_York')).toBe(
        '2026-03-07T13:30:00.000Z',
      );
    });
  });

  describe('time parts are exact durations', () => {
    it.each([
      ['2026-03-08T04:00', 'PT2H', 'America/New_York', '2026-03-08T06:00:00.000Z'],
      ['2026-11-01T02:00', 'PT2H', 'America/New_York', '2026-11-01T05:00:00.000Z'],
      ['2026-03-29T04:00', 'PT2H', 'Europe/Berlin', '2026-03-29T00:00:00.000Z'],
      ['2026-12-01T09:30', 'PT30S', 'America/New_York', '2026-12-01T14:29:30.000Z'],
    ])('%s minus %s in %s', (startsAt, offset, zone, expected) => {
      expect(minus(startsAt, offset, zone)).toBe(expected);
    });

    it('applies days on the wall clock first, then exact time', () => {
      // Monday 09:30 EDT -> Saturday 09:30 EST -> minus 2 h.
      expect(minus('2026-03-09T09:30', 'P2DT2H', 'America/New_York')).toBe(
        '2026-03-07T12:30:00.000Z',
      );
    });
  });

  describe('a wall time that does not exist that day moves forward by the length of the gap', () => {
    // RFC 5545 / Temporal `compatible`: read the wall time with the offset before the jump.
    it.each([
      // New York, 2027-03-14 02:00 EST -> 03:00 EDT: Monday 02:19 minus P1D is 03:19 EDT.
      ['2027-03-15T02:19', 'P1D', 'America/New_York', '2027-03-14T07:19:00.000Z'],
      ['2026-03-09T02:30', 'P1D', 'America/New_York', '2026-03-08T07:30:00.000Z'],
      // Lord Howe, 2026-10-04 02:00 +10:30 -> 02:30 +11: 02:15 becomes 02:45 +11.
      ['2026-10-05T02:15', 'P1D', 'Australia/Lord_Howe', '2026-10-03T15:45:00.000Z'],
      // Chatham, 2026-09-27 02:45 +12:45 -> 03:45 +13:45: 03:10 becomes 04:10 +13:45.
      ['2026-09-28T03:10', 'P1D', 'Pacific/Chatham', '2026-09-26T14:25:00.000Z'],
      // Calendar part first (into the gap, moved to 03:19 EDT), then the exact hour.
      ['2027-03-21T02:19', 'P7DT1H', 'America/New_York', '2027-03-14T06:19:00.000Z'],
    ])('%s minus %s in %s is %s', (startsAt, offset, zone, expected) => {
      expect(minus(startsAt, offset, zone)).toBe(expected);
    });

    it('reads back in the zone as the wall time plus the gap', () => {
      const due = new Date(minus('2026-09-28T03:10', 'P1D', 'Pacific/Chatham'));
      const wall = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Pacific/Chatham',
        dateStyle: 'short',
        timeStyle: 'short',
      }).format(due);
      expect(wall).toBe('27/09/2026, 04:10');
    });
  });

  it('takes the earlier instant of a repeated wall time', () => {
    expect(minus('2026-11-02T01:30', 'P1D', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
  });

  it('uses the zone it is given for the calendar', () => {
    const startsAt = new Date('2026-03-09T13:30:00Z');
    expect(subtractOffset(startsAt, duration('P2D'), 'America/Los_Angeles').toISOString()).toBe(
      '2026-03-07T14:30:00.000Z',
    );
    expect(subtractOffset(startsAt, duration('P2D'), 'UTC').toISOString()).toBe(
      '2026-03-07T13:30:00.000Z',
    );
  });

  it('refuses offsets that leave the range of dates', () => {
    const startsAt = new Date('2026-12-01T00:00:00Z');
    expect(() => subtractOffset(startsAt, duration('P999999999Y'), 'UTC')).toThrow(RangeError);
    expect(() => subtractOffset(startsAt, duration('P99999999W'), 'UTC')).toThrow(RangeError);
  });
});

describe('isWithinMaxOffset', () => {
  it.each([
    ['P1Y', true],
    ['P400D', true],
    ['P57W', true],
    ['PT9600H', true],
    ['P401D', false],
    ['P2Y', false],
    ['P14M', false],
    ['PT9601H', false],
    ['P99999999Y', false],
  ])('%s: %s', (text, expected) => {
    expect(isWithinMaxOffset(parseIsoDuration(text)!)).toBe(expected);
  });
});

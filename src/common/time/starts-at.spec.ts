import {
  TimeInputError,
  instantsForWallTime,
  isValidTimeZone,
  localDate,
  localTime,
  parseStartsAt,
  wallTimeOf,
  wallTimeToInstant,
  type WallTime,
} from './starts-at';

const NEW_YORK = 'America/New_York';
const LONDON = 'Europe/London';
const LORD_HOWE = 'Australia/Lord_Howe';

const iso = (input: string, zone: string): string => parseStartsAt(input, zone).toISOString();

function problemOf(input: string, zone: string): string {
  try {
    parseStartsAt(input, zone);
  } catch (error) {
    if (error instanceof TimeInputError) return error.problem;
    throw error;
  }
  throw new Error(`${input} parsed`);
}

const wall = (text: string): WallTime => {
  const [date, time] = text.split('T');
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  return { year, month, day, hour, minute, second: 0, millisecond: 0 };
};

describe('the 2026 transitions the expectations rely on (checked against Intl)', () => {
  it.each([
    [NEW_YORK, '2026-03-08T06:59:00Z', '01:59', '2026-03-08T07:00:00Z', '03:00'],
    [NEW_YORK, '2026-11-01T05:59:00Z', '01:59', '2026-11-01T06:00:00Z', '01:00'],
    [LONDON, '2026-03-29T00:59:00Z', '00:59', '2026-03-29T01:00:00Z', '02:00'],
    [LONDON, '2026-10-25T00:59:00Z', '01:59', '2026-10-25T01:00:00Z', '01:00'],
    [LORD_HOWE, '2026-10-03T15:29:00Z', '01:59', '2026-10-03T15:30:00Z', '02:30'],
    [LORD_HOWE, '2026-04-04T14:59:00Z', '01:59', '2026-04-04T15:00:00Z', '01:30'],
  ])('%s jumps at %s', (zone, before, wallBefore, after, wallAfter) => {
    expect(localTime(new Date(before), zone)).toBe(wallBefore);
    expect(localTime(new Date(after), zone)).toBe(wallAfter);
  });
});

describe('parseStartsAt', () => {
  describe('with an offset, an instant whatever the zone', () => {
    it.each([
      ['2026-12-01T09:30:00-06:00', '2026-12-01T15:30:00.000Z'],
      ['2026-12-01T09:30:00Z', '2026-12-01T09:30:00.000Z'],
      ['2026-12-01T09:30:00+01:00', '2026-12-01T08:30:00.000Z'],
      ['2026-12-01T09:30-0600', '2026-12-01T15:30:00.000Z'],
      ['2026-12-01T09:30:00+05', '2026-12-01T04:30:00.000Z'],
      ['2026-12-01T09:30:00.250+05:30', '2026-12-01T04:00:00.250Z'],
      // A wall time that DST skips in the clinic's zone is fine once it carries an offset.
      ['2026-03-08T02:30:00-05:00', '2026-03-08T07:30:00.000Z'],
    ])('%s', (input, expected) => {
      expect(iso(input, NEW_YORK)).toBe(expected);
      expect(iso(input, LORD_HOWE)).toBe(expected);
    });
  });

  describe('without an offset, wall time in the zone', () => {
    it.each([
      ['2026-12-01T09:30', '2026-12-01T14:30:00.000Z'],
      ['2026-12-01T09:30:00', '2026-12-01T14:30:00.000Z'],
      ['2026-12-01T09:30:00.000', '2026-12-01T14:30:00.000Z'],
      ['2026-12-01T09:30:00.1234', '2026-12-01T14:30:00.123Z'],
      ['2026-07-01T09:30:00', '2026-07-01T13:30:00.000Z'],
      ['2026-12-01T00:00', '2026-12-01T05:00:00.000Z'],
      ['2028-02-29T12:00', '2028-02-29T17:00:00.000Z'],
    ])('%s in New York', (input, expected) => {
      expect(iso(input, NEW_YORK)).toBe(expected);
    });

    it('reads the same text differently in another zone', () => {
      expect(iso('2026-12-01T09:30', LONDON)).toBe('2026-12-01T09:30:00.000Z');
      expect(iso('2026-12-01T09:30', LORD_HOWE)).toBe('2026-11-30T22:30:00.000Z');
    });
  });

  describe('wall times skipped by a DST jump are errors', () => {
    it.each([
      ['2026-03-08T02:30:00', NEW_YORK],
      ['2026-03-08T02:00', NEW_YORK],
      ['2026-03-08T02:59:59.999', NEW_YORK],
      ['2026-03-29T01:30', LONDON],
      ['2026-10-04T02:15', LORD_HOWE],
      ['2026-10-04T02:00', LORD_HOWE],
    ])('%s in %s', (input, zone) => {
      expect(problemOf(input, zone)).toBe('nonexistent');
    });

    it('says which time, which zone and why', () => {
      expect(() => parseStartsAt('2026-03-08T02:30:00', NEW_YORK)).toThrow(
        'startsAt 2026-03-08T02:30:00 does not exist in America/New_York (clocks jump forward)',
      );
    });

    it.each([
      ['2026-03-08T01:59:59', NEW_YORK, '2026-03-08T06:59:59.000Z'],
      ['2026-03-08T03:00', NEW_YORK, '2026-03-08T07:00:00.000Z'],
      ['2026-03-29T02:00', LONDON, '2026-03-29T01:00:00.000Z'],
      ['2026-10-04T01:59', LORD_HOWE, '2026-10-03T15:29:00.000Z'],
      ['2026-10-04T02:30', LORD_HOWE, '2026-10-03T15:30:00.000Z'],
    ])('the edges of the gap exist: %s in %s', (input, zone, expected) => {
      expect(iso(input, zone)).toBe(expected);
    });
  });

  describe('ambiguous wall times take the earlier instant', () => {
    it.each([
      ['2026-11-01T01:30', NEW_YORK, '2026-11-01T05:30:00.000Z'],
      ['2026-11-01T01:00', NEW_YORK, '2026-11-01T05:00:00.000Z'],
      ['2026-10-25T01:30', LONDON, '2026-10-25T00:30:00.000Z'],
      // Lord Howe falls back half an hour: 01:30-02:00 happens at +11:00 and again at +10:30.
      ['2026-04-05T01:45', LORD_HOWE, '2026-04-04T14:45:00.000Z'],
      ['2026-04-05T01:29', LORD_HOWE, '2026-04-04T14:29:00.000Z'],
      ['2026-04-05T02:00', LORD_HOWE, '2026-04-04T15:30:00.000Z'],
    ])('%s in %s', (input, zone, expected) => {
      expect(iso(input, zone)).toBe(expected);
    });
  });

  describe('junk is rejected as a format problem', () => {
    it.each([
      '',
      'tomorrow',
      '2026-12-01',
      '2026-12-01 09:30',
      '2026-12-01T9:30',
      '2026-12-01T09',
      '2026-12-01T09:30:00.',
      '2026-12-01T09:30:00+1',
      '2026-12-01T09:30:00+01:00:00',
      '2026-12-01T09:30:00 ',
      '12/01/2026 09:30',
      '2026-12-01T09:30:00-25:00',
      '1764595800000',
    ])('%j', (input) => {
      expect(problemOf(input, NEW_YORK)).toBe('format');
    });
  });

  describe('dates and times that are not on the calendar', () => {
    it.each([
      '2026-02-30T09:30',
      '2026-02-29T09:30',
      '2026-04-31T09:30:00Z',
      '2026-13-01T09:30',
      '2026-00-10T09:30',
      '2026-12-00T09:30',
      '2026-12-01T24:00',
      '2026-12-01T09:60',
      '2026-12-01T09:30:60',
    ])('%s', (input) => {
      expect(problemOf(input, NEW_YORK)).toBe('calendar');
    });

    it('names the input', () => {
      expect(() => parseStartsAt('2026-02-30T09:30', NEW_YORK)).toThrow(
        'startsAt 2026-02-30T09:30 is not a calendar date',
      );
    });
  });
});

describe('isValidTimeZone', () => {
  it.each(['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'UTC', 'Asia/Kolkata'])(
    'accepts %s',
    (zone) => expect(isValidTimeZone(zone)).toBe(true),
  );

  it.each(['', 'Mars/Base', 'America/Springfield', '+01:00', '-0500', 'New York'])(
    'rejects %j',
    (zone) => expect(isValidTimeZone(zone)).toBe(false),
  );
});

describe('localDate and localTime', () => {
  it('read the wall clock of the zone, not of the host', () => {
    const instant = new Date('2026-03-08T02:30:00Z');
    expect(localDate(instant, LONDON)).toBe('2026-03-08');
    expect(localTime(instant, LONDON)).toBe('02:30');
    expect(localDate(instant, NEW_YORK)).toBe('2026-03-07');
    expect(localTime(instant, NEW_YORK)).toBe('21:30');
    expect(localTime(new Date('2026-12-01T05:00:00Z'), NEW_YORK)).toBe('00:00');
  });

  it('keeps four-digit years', () => {
    expect(localDate(new Date('0999-06-01T12:00:00Z'), 'UTC')).toBe('0999-06-01');
  });
});

describe('wall time helpers', () => {
  it('wallTimeOf keeps milliseconds', () => {
    expect(wallTimeOf(new Date('2026-12-01T14:30:05.042Z'), NEW_YORK)).toEqual({
      year: 2026,
      month: 12,
      day: 1,
      hour: 9,
      minute: 30,
      second: 5,
      millisecond: 42,
    });
  });

  it('wallTimeOf reads years before 1000 and before the common era', () => {
    expect(wallTimeOf(new Date('0999-06-01T12:00:00Z'), 'UTC').year).toBe(999);
    expect(wallTimeOf(new Date('-000100-06-01T12:00:00Z'), 'UTC')).toMatchObject({
      year: -100,
      month: 6,
      day: 1,
      hour: 12,
    });
    // parseStartsAt itself takes only 1970 to 2200 (below)
    expect(problemOf('0000-01-01T00:00', 'UTC')).toBe('range');
  });

  it('parseStartsAt takes instants from 1970 through 2200, whatever the offset', () => {
    expect(iso('1970-01-01T00:00:00Z', 'UTC')).toBe('1970-01-01T00:00:00.000Z');
    expect(iso('2200-12-31T23:59:59Z', 'UTC')).toBe('2200-12-31T23:59:59.000Z');
    for (const input of [
      '9999-12-31T23:59:59Z',
      '1969-12-31T23:59:59Z',
      '1970-01-01T00:00:00+01:00',
      '2200-12-31T23:59:59-01:00',
      '2201-01-01T00:00:00',
      '0001-01-01T00:00:00',
    ]) {
      expect([input, problemOf(input, NEW_YORK)]).toEqual([input, 'range']);
    }
  });

  it('instantsForWallTime lists both instants of a repeated time and none of a skipped one', () => {
    const repeated = instantsForWallTime(wall('2026-11-01T01:30'), NEW_YORK);
    expect(repeated.map((d) => d.toISOString())).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
    expect(instantsForWallTime(wall('2026-03-08T02:30'), NEW_YORK)).toEqual([]);
  });

  it('wallTimeToInstant moves a skipped time to the jump itself', () => {
    expect(wallTimeToInstant(wall('2026-03-08T02:30'), NEW_YORK).toISOString()).toBe(
      '2026-03-08T07:00:00.000Z',
    );
    expect(wallTimeToInstant(wall('2026-10-04T02:15'), LORD_HOWE).toISOString()).toBe(
      '2026-10-03T15:30:00.000Z',
    );
    expect(wallTimeToInstant(wall('2026-04-05T01:45'), LORD_HOWE).toISOString()).toBe(
      '2026-04-04T14:45:00.000Z',
    );
  });
});

describe('wallTimeOf agrees with Intl at every instant, including inside offset changes', () => {
  // Read independently of the implementation, with formatToParts.
  const formats = new Map<string, Intl.DateTimeFormat>();
  const formatOf = (zone: string): Intl.DateTimeFormat =>
    formats.get(zone) ??
    formats
      .set(
        zone,
        new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        }),
      )
      .get(zone)!;
  function intlWall(instant: Date, zone: string): string {
    const parts = formatOf(zone).formatToParts(instant);
    const get = (type: string) => parts.find((p) => p.type === type)!.value;
    return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
  }
  const show = (w: WallTime): string =>
    `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}T` +
    `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}:${String(w.second).padStart(2, '0')}`;

  // Zones with 30-minute shifts (Lord Howe), two-hour ones (Troll), local mean time with odd
  // seconds before 1900 (Amsterdam), a zone that skipped a whole day (Apia, 2011-12-30).
  const zones = [
    NEW_YORK,
    LONDON,
    LORD_HOWE,
    'Antarctica/Troll',
    'Europe/Amsterdam',
    'Pacific/Apia',
  ];

  it.each(zones)('%s: every 7 minutes through the 2026 transitions, and old dates', (zone) => {
    const mismatches: string[] = [];
    const check = (ms: number) => {
      const instant = new Date(ms);
      const ours = show(wallTimeOf(instant, zone));
      const theirs = intlWall(instant, zone);
      if (ours !== theirs) mismatches.push(`${instant.toISOString()}: ${ours} vs ${theirs}`);
    };
    // The whole of 2026 in 7-minute and 13-second steps lands on every minute of the hour.
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 7 * 60_000 + 13_000) {
      check(ms);
    }
    for (const year of [1850, 1916, 1937, 1945, 1970, 2011, 2037]) {
      for (
        let ms = Date.UTC(year, 0, 1);
        ms < Date.UTC(year + 1, 0, 1);
        ms += 97 * 60_000 + 7_000
      ) {
        check(ms);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('throws for a zone Intl does not know, every time', () => {
    const instant = new Date(Date.UTC(2026, 5, 1));
    expect(() => wallTimeOf(instant, 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => wallTimeOf(instant, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('keeps milliseconds and the exact moment of a change', () => {
    // London springs forward at 01:00 UTC on 2026-03-29.
    const before = new Date(Date.UTC(2026, 2, 29, 0, 59, 59, 999));
    const after = new Date(Date.UTC(2026, 2, 29, 1, 0, 0, 0));
    expect(wallTimeOf(before, LONDON)).toMatchObject({ hour: 0, minute: 59, millisecond: 999 });
    expect(wallTimeOf(after, LONDON)).toMatchObject({ hour: 2, minute: 0, millisecond: 0 });
  });
});

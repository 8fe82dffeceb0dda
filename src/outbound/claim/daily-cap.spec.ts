import { capDay, isCounted, nextDayRunAt } from './daily-cap';

const NIGHT = { start: '20:00', end: '08:00' };

describe('the per-patient daily cap', () => {
  describe('capDay: the clinic’s calendar date', () => {
    it('counts a 25-hour fall-back day in New York as one day, from local midnight to midnight', () => {
      // 2026-11-01: clocks fall back at 02:00 EDT; the day runs 04:00Z to 05:00Z next day.
      expect(capDay(new Date('2026-11-01T04:00:00Z'), 'America/New_York')).toBe('2026-11-01');
      expect(capDay(new Date('2026-11-02T04:59:59Z'), 'America/New_York')).toBe('2026-11-01');
      expect(capDay(new Date('2026-11-02T05:00:00Z'), 'America/New_York')).toBe('2026-11-02');
      expect(capDay(new Date('2026-11-01T03:59:59Z'), 'America/New_York')).toBe('2026-10-31');
    });

    it('counts a 23-hour spring-forward day as one day', () => {
      expect(capDay(new Date('2027-03-14T05:00:00Z'), 'America/New_York')).toBe('2027-03-14');
      expect(capDay(new Date('2027-03-15T03:59:59Z'), 'America/New_York')).toBe('2027-03-14');
      expect(capDay(new Date('2027-03-15T04:00:00Z'), 'America/New_York')).toBe('2027-03-15');
    });
  });

  describe('nextDayRunAt: wait for tomorrow when still useful, else skip', () => {
    it('waits for the end of tomorrow morning’s quiet hours', () => {
      const at = new Date('2026-12-07T15:00:00Z'); // 09:00 CST
      expect(
        nextDayRunAt(
          at,
          'America/Chicago',
          'America/Chicago',
          NIGHT,
          new Date('2026-12-10T15:00:00Z'),
        ),
      ).toEqual(new Date('2026-12-08T14:00:00Z')); // 08:00 CST
    });

    it('is null when the visit starts before tomorrow’s first allowed minute', () => {
      const at = new Date('2026-12-07T15:00:00Z');
      expect(
        nextDayRunAt(
          at,
          'America/Chicago',
          'America/Chicago',
          NIGHT,
          new Date('2026-12-08T13:00:00Z'),
        ),
      ).toBeNull();
      expect(
        nextDayRunAt(
          at,
          'America/Chicago',
          'America/Chicago',
          NIGHT,
          new Date('2026-12-08T14:00:00Z'),
        ),
      ).toBeNull();
    });

    it('without quiet hours, waits for the clinic’s midnight (across the fall-back night)', () => {
      const at = new Date('2026-11-01T20:00:00Z'); // 15:00 EST, the 25-hour day
      expect(
        nextDayRunAt(
          at,
          'America/New_York',
          'America/New_York',
          null,
          new Date('2026-11-05T00:00:00Z'),
        ),
      ).toEqual(new Date('2026-11-02T05:00:00Z'));
    });

    it('takes the patient’s quiet hours in the patient’s zone', () => {
      const at = new Date('2026-12-07T15:00:00Z');
      // The clinic's next day begins 06:00Z; the patient in Los Angeles wakes at 08:00 PST = 16:00Z.
      expect(
        nextDayRunAt(
          at,
          'America/Chicago',
          'America/Los_Angeles',
          NIGHT,
          new Date('2026-12-09T00:00:00Z'),
        ),
      ).toEqual(new Date('2026-12-08T16:00:00Z'));
    });

    it('a text that expires (no visit) is useful until its expiry', () => {
      const at = new Date('2026-12-07T22:00:00Z'); // 16:00 CST
      expect(
        nextDayRunAt(
          at,
          'America/Chicago',
          'America/Chicago',
          NIGHT,
          new Date('2026-12-08T10:00:00Z'),
        ),
      ).toBeNull();
      expect(nextDayRunAt(at, 'America/Chicago', 'America/Chicago', NIGHT, null)).toEqual(
        new Date('2026-12-08T14:00:00Z'),
      );
    });
  });

  it('counts routine texts never admitted before, and only under a cap', () => {
    const text = { routine: true, attempts: 0, capAdmitted: false, patientId: 'p' };
    expect(isCounted(text, 3)).toBe(true);
    expect(isCounted(text, null)).toBe(false);
    expect(isCounted({ ...text, routine: false }, 3)).toBe(false);
    expect(isCounted({ ...text, attempts: 1 }, 3)).toBe(false);
    expect(isCounted({ ...text, patientId: null }, 3)).toBe(false);
    // held back by the sender after it was admitted, and claimed again: the same text
    expect(isCounted({ ...text, capAdmitted: true }, 3)).toBe(false);
  });
});

import {
  daysInMonth,
  utcMsToWallTime,
  wallTimeOf,
  wallTimeToInstantCompatible,
  wallTimeToUtcMs,
  type WallTime,
} from './starts-at';

/** An ISO 8601 duration; every part a non-negative integer. */
export type IsoDuration = {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
};

const DURATION_PATTERN =
  /^P(?:(\d{1,9})Y)?(?:(\d{1,9})M)?(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?$/;

const DAY_MS = 86_400_000;
const OUT_OF_RANGE = 'offset reaches past the range of dates';

/**
 * Reads `PnYnMnWnDTnHnMnS` with whole numbers only (down to seconds, as the API promises).
 * Weeks may be combined with other parts (ISO 8601-2). Returns null for anything else,
 * including `P`, `PT`, a trailing `T`, signs, fractions and lower case.
 */
export function parseIsoDuration(text: string): IsoDuration | null {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return null;
  const parts = match.slice(1);
  if (parts.every((part) => part === undefined)) return null;
  if (text.endsWith('T')) return null;
  const [years, months, weeks, days, hours, minutes, seconds] = parts.map((part) =>
    Number(part ?? 0),
  );
  return { years, months, weeks, days, hours, minutes, seconds };
}

export function isPositiveDuration(d: IsoDuration): boolean {
  return Object.values(d).some((part) => part > 0);
}

/** At most this many days, counting each calendar part at its longest (a year 366 days...). */
export const MAX_OFFSET_DAYS = 400;

/**
 * Whether a duration is at most MAX_OFFSET_DAYS long. A reminder further ahead than that is no
 * reminder, and an offset of millions of years would leave the range of dates when applied.
 */
export function isWithinMaxOffset(d: IsoDuration): boolean {
  const days = d.years * 366 + d.months * 31 + d.weeks * 7 + d.days + timeMs(d) / DAY_MS;
  return days <= MAX_OFFSET_DAYS;
}

function timeMs(d: IsoDuration): number {
  return ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
}

/** Exact length in ms, or null when the duration has calendar parts (their length varies). */
export function durationToMs(d: IsoDuration): number | null {
  if (d.years || d.months || d.weeks || d.days) return null;
  return timeMs(d);
}

/**
 * The one spelling of a duration's effect, so equal offsets compare equal: seconds and minutes
 * carry into hours and months into years (all exact), and weeks fold into days, the form
 * ISO 8601-1 allows next to other parts. Hours never carry into days: a day is a calendar day.
 * `PT90M` -> `PT1H30M`, `P1W` -> `P7D`, zero -> `PT0S`.
 */
export function formatIsoDuration(d: IsoDuration): string {
  for (const part of Object.values(d)) {
    if (!Number.isSafeInteger(part) || part < 0) {
      throw new RangeError('duration parts must be non-negative integers');
    }
  }
  const totalMonths = d.years * 12 + d.months;
  const days = d.weeks * 7 + d.days;
  const totalSeconds = timeMs(d) / 1000;
  const date = [
    [Math.floor(totalMonths / 12), 'Y'],
    [totalMonths % 12, 'M'],
    [days, 'D'],
  ] as const;
  const time = [
    [Math.floor(totalSeconds / 3600), 'H'],
    [Math.floor(totalSeconds / 60) % 60, 'M'],
    [totalSeconds % 60, 'S'],
  ] as const;
  const spell = (units: ReadonlyArray<readonly [number, string]>): string =>
    units
      .filter(([value]) => value > 0)
      .map(([value, unit]) => `${value}${unit}`)
      .join('');
  const datePart = spell(date);
  const timePart = spell(time);
  if (!datePart && !timePart) return 'PT0S';
  return `P${datePart}${timePart ? `T${timePart}` : ''}`;
}

/**
 * The same wall time `months` and then `days` earlier (negative values move forward). A day that
 * does not exist in the target month is clamped to its last day (31 March minus P1M is 28 or
 * 29 February), as date-fns `subMonths` does.
 */
export function shiftWallDate(wall: WallTime, months: number, days: number): WallTime {
  const monthIndex = wall.year * 12 + (wall.month - 1) - months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const day = Math.min(wall.day, daysInMonth(year, month));
  return utcMsToWallTime(wallTimeToUtcMs({ ...wall, year, month, day }) - days * DAY_MS);
}

/**
 * `instant` minus `d`, the reminder-offset rule: calendar parts (years, months, weeks, days) move
 * the wall clock in `zone` to the same time on an earlier day, so `P1D` before a Monday 09:30 is
 * Sunday 09:30 even across a DST change; time parts are then subtracted as exact milliseconds.
 *
 * When that earlier wall time is repeated (clocks fall back) the earlier instant is taken; when it
 * does not exist (clocks jump over it) it moves forward by the length of the jump (RFC 5545,
 * Temporal `compatible`, java.time and Luxon agree): 02:19 on a 02:00 -> 03:00 night is 03:19.
 */
export function subtractOffset(instant: Date, d: IsoDuration, zone: string): Date {
  let ms = instant.getTime();
  const months = d.years * 12 + d.months;
  const days = d.weeks * 7 + d.days;
  if (months > 0 || days > 0) {
    const wall = shiftWallDate(wallTimeOf(instant, zone), months, days);
    if (Number.isNaN(wallTimeToUtcMs(wall))) throw new RangeError(OUT_OF_RANGE);
    ms = wallTimeToInstantCompatible(wall, zone).getTime();
  }
  const result = new Date(ms - timeMs(d));
  if (Number.isNaN(result.getTime())) throw new RangeError(OUT_OF_RANGE);
  return result;
}

/**
 * Time-zone arithmetic on IANA zones, and the `startsAt` parser built on it.
 *
 * Wall fields are read with `Intl.DateTimeFormat` directly rather than with date-fns-tz:
 * `toZonedTime`, `formatInTimeZone` and `getTimezoneOffset` pass through the host's local time,
 * so near the host's own DST change they return shifted wall times (try
 * `TZ=America/New_York` with an instant that is 02:30 in London on 2026-03-08). Intl has no
 * such dependence, so these results are the same on every server.
 */

/** A reading of a wall clock; `month` is 1-12. */
export type WallTime = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
};

export type TimeInputProblem = 'format' | 'calendar' | 'nonexistent' | 'range';

/** Bad time input from a client; the message names the problem and is safe to show. */
export class TimeInputError extends Error {
  constructor(
    message: string,
    readonly problem: TimeInputProblem,
  ) {
    super(message);
    this.name = 'TimeInputError';
  }
}

const DAY_MS = 86_400_000;
// Zones come from clients; the cap stops case variants of valid names from growing it forever.
const MAX_CACHED_FORMATTERS = 500;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= MAX_CACHED_FORMATTERS) formatters.clear();
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** True for names Intl knows as IANA zones (`America/New_York`, `UTC`); false for offsets. */
export function isValidTimeZone(zone: string): boolean {
  // Newer engines accept offset strings such as `+01:00` as zones; those have no DST rules.
  if (zone === '' || /^[+\-\d]/.test(zone)) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

// `format` is about three times cheaper than `formatToParts`, and a batch upload reads thousands
// of wall times; anything the pattern does not cover takes the slower, exact route.
const FORMATTED = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) AD, (\d{2}):(\d{2}):(\d{2})$/;

/** The wall time in `zone` straight from Intl; exact for every instant, but costly. */
function formattedWallTime(instant: Date, zone: string): WallTime {
  const formatter = formatterFor(zone);
  const ms = instant.getTime();
  const millisecond = ((ms % 1000) + 1000) % 1000;
  const fast = FORMATTED.exec(formatter.format(instant));
  if (fast) {
    const [month, day, year, hour, minute, second] = fast.slice(1).map(Number);
    return { year, month, day, hour, minute, second, millisecond };
  }
  const fields: Record<string, number> = {};
  let beforeChrist = false;
  for (const part of formatter.formatToParts(instant)) {
    if (part.type === 'era') beforeChrist = part.value === 'BC';
    else if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    // Astronomical years, as Date uses: 1 BC is year 0.
    year: beforeChrist ? 1 - fields.year : fields.year,
    month: fields.month,
    day: fields.day,
    hour: fields.hour,
    minute: fields.minute,
    second: fields.second,
    millisecond,
  };
}

function exactOffsetMs(utcMs: number, zone: string): number {
  return wallTimeToUtcMs(formattedWallTime(new Date(utcMs), zone)) - utcMs;
}

const HOUR_MS = 3_600_000;
/** Per zone: UTC hour number -> the zone's offset through that whole hour, or NaN if it changes. */
const hourlyOffsets = new Map<string, Map<number, number>>();
const MAX_CACHED_HOURS = 200_000;
let cachedHours = 0;

/**
 * The zone's UTC offset at an instant (wall time minus UTC). A batch upload and a dispatch pass
 * ask this for thousands of instants in a few zones, so the answer is kept per UTC hour: when the
 * offsets at the start of an hour and of the next agree, the zone did not change offset within
 * it (no zone changes offset twice within an hour). An hour holding a change is computed exactly.
 */
function offsetMsAt(utcMs: number, zone: string): number {
  const hour = Math.floor(utcMs / HOUR_MS);
  let offset = hourlyOffsets.get(zone)?.get(hour);
  if (offset === undefined) {
    // Throws (RangeError) for a zone Intl does not know, before anything is cached for it.
    const start = exactOffsetMs(hour * HOUR_MS, zone);
    offset = start === exactOffsetMs((hour + 1) * HOUR_MS, zone) ? start : NaN;
    if (cachedHours >= MAX_CACHED_HOURS) {
      hourlyOffsets.clear();
      cachedHours = 0;
    }
    let hours = hourlyOffsets.get(zone);
    if (!hours) {
      hours = new Map();
      hourlyOffsets.set(zone, hours);
    }
    hours.set(hour, offset);
    cachedHours += 1;
  }
  return Number.isNaN(offset) ? exactOffsetMs(utcMs, zone) : offset;
}

export function wallTimeOf(instant: Date, zone: string): WallTime {
  const ms = instant.getTime();
  return utcMsToWallTime(ms + offsetMsAt(ms, zone));
}

/** The wall time read as if it were UTC; a plain number line without DST for date arithmetic. */
export function wallTimeToUtcMs(wall: WallTime): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, wall.millisecond);
  return date.getTime();
}

export function utcMsToWallTime(ms: number): WallTime {
  const date = new Date(ms);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
  };
}

/**
 * Every instant at which the wall clock in `zone` reads `wall`, earliest first: one normally,
 * two when clocks fall back over it, none when they jump over it.
 */
export function instantsForWallTime(wall: WallTime, zone: string): Date[] {
  const naive = wallTimeToUtcMs(wall);
  // Any instant showing this wall time lies within 14 h of `naive`; the offsets a day either side
  // are the only candidates as long as a zone changes offset at most once in two days.
  const offsets = new Set([offsetMsAt(naive - DAY_MS, zone), offsetMsAt(naive + DAY_MS, zone)]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const candidate = naive - offset;
    if (offsetMsAt(candidate, zone) === offset) instants.push(candidate);
  }
  return instants.sort((a, b) => a - b).map((ms) => new Date(ms));
}

/**
 * The first instant at which the wall clock in `zone` reads `wall` or later: the instant itself
 * normally, the earlier one when the time repeats, and the moment clocks jump forward when the
 * time falls in the gap (02:30 on a 02:00 -> 03:00 night gives 03:00).
 */
export function wallTimeToInstant(wall: WallTime, zone: string): Date {
  const [first] = instantsForWallTime(wall, zone);
  if (first) return first;
  const naive = wallTimeToUtcMs(wall);
  const before = offsetMsAt(naive - DAY_MS, zone);
  const after = offsetMsAt(naive + DAY_MS, zone);
  // The jump lies in (naive - after, naive - before]; find the first ms whose wall time is >= wall.
  let low = naive - after;
  let high = naive - before;
  if (low >= high) throw new RangeError(`cannot place wall time in ${zone}`);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (middle + offsetMsAt(middle, zone) >= naive) high = middle;
    else low = middle;
  }
  return new Date(high);
}

/**
 * The instant a computed wall time stands for, as RFC 5545 and Temporal's `compatible`
 * disambiguation place it: the earlier instant when the time repeats, and when it falls in a gap,
 * the wall time read with the offset in force before the jump, i.e. moved forward by the gap's
 * length (02:19 on a 02:00 -> 03:00 night gives 03:19; 02:15 on Lord Howe's 02:00 -> 02:30 night
 * gives 02:45).
 */
export function wallTimeToInstantCompatible(wall: WallTime, zone: string): Date {
  const [first] = instantsForWallTime(wall, zone);
  if (first) return first;
  const naive = wallTimeToUtcMs(wall);
  return new Date(naive - offsetMsAt(naive - DAY_MS, zone));
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The calendar date in `zone`, `YYYY-MM-DD`. */
export function localDate(instant: Date, zone: string): string {
  const wall = wallTimeOf(instant, zone);
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
}

/** The wall-clock time in `zone`, `HH:mm`. */
export function localTime(instant: Date, zone: string): string {
  const wall = wallTimeOf(instant, zone);
  return `${pad(wall.hour)}:${pad(wall.minute)}`;
}

const START_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?$/;

export function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  // Day 0 of the next month is the last day of this one.
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

function quote(input: string): string {
  return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}...` : input);
}

/**
 * Parses an API `startsAt`. With an offset (`Z`, `+01:00`, `-0600`, `+01`) it is that instant;
 * without one it is wall time in `zone`, where a time skipped by a DST jump is an error and a
 * repeated one takes the earlier instant. Seconds and fractions are optional; digits past
 * milliseconds are dropped.
 */
/**
 * The instants Turnout accepts: years 1970 to 2200. Far outside it, zone arithmetic (in Intl
 * and in PostgreSQL) fails, and no appointment needs it.
 */
export const EARLIEST_INSTANT_MS = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT_MS = Date.UTC(2201, 0, 1) - 1;

export function parseStartsAt(input: string, zone: string): Date {
  const instant = parseDateTime(input, zone);
  const ms = instant.getTime();
  if (ms < EARLIEST_INSTANT_MS || ms > LATEST_INSTANT_MS) {
    throw new TimeInputError(
      `startsAt ${quote(input)} is outside the supported years 1970 to 2200`,
      'range',
    );
  }
  return instant;
}

function parseDateTime(input: string, zone: string): Date {
  const match = START_PATTERN.exec(input);
  if (!match) {
    throw new TimeInputError(
      `startsAt ${quote(input)} is not an ISO 8601 date-time such as 2026-12-01T09:30:00 or 2026-12-01T09:30:00-06:00`,
      'format',
    );
  }
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offsetH, offsetM] = match;
  const wall: WallTime = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s ?? 0),
    millisecond: Number((fraction ?? '').padEnd(3, '0').slice(0, 3)),
  };
  if (wall.year < 1969 || wall.year > 2201) {
    // a day of slack either side for offsets; the exact bound is checked on the instant
    throw new TimeInputError(
      `startsAt ${quote(input)} is outside the supported years 1970 to 2200`,
      'range',
    );
  }
  if (wall.month < 1 || wall.month > 12 || wall.day < 1) {
    throw new TimeInputError(`startsAt ${input} is not a calendar date`, 'calendar');
  }
  if (wall.day > daysInMonth(wall.year, wall.month)) {
    throw new TimeInputError(`startsAt ${input} is not a calendar date`, 'calendar');
  }
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 59) {
    throw new TimeInputError(`startsAt ${input} is not a valid time of day`, 'calendar');
  }
  if (zulu) return new Date(wallTimeToUtcMs(wall));
  if (sign) {
    const hours = Number(offsetH);
    const minutes = Number(offsetM ?? 0);
    if (hours > 23 || minutes > 59) {
      throw new TimeInputError(`startsAt ${input} has an invalid UTC offset`, 'format');
    }
    const offsetMs = (sign === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
    return new Date(wallTimeToUtcMs(wall) - offsetMs);
  }
  const [earliest] = instantsForWallTime(wall, zone);
  if (!earliest) {
    throw new TimeInputError(
      `startsAt ${input} does not exist in ${zone} (clocks jump forward)`,
      'nonexistent',
    );
  }
  return earliest;
}

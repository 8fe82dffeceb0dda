import { parseHHmm } from './quiet-hours';
import { wallTimeOf, wallTimeToUtcMs } from './starts-at';

/**
 * When a person at the clinic will answer (API.md, the clinic's `officeHours`): the automatic
 * answer to a text that needs staff says so. Hours are the clinic's wall clock, so a DST change
 * moves nothing but "now"; a day left out or null is closed.
 */
export const OFFICE_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type OfficeDay = (typeof OFFICE_DAYS)[number];
export type OfficeHours = Partial<Record<OfficeDay, readonly [string, string] | null>>;

/** A local clock reading, minutes since midnight. */
export type ClockTime = { hour: number; minute: number };

export type StaffReplyAt =
  /** open now: a person answers before closing */
  | { when: 'today_by'; time: ClockTime }
  /** not open yet today */
  | { when: 'today_from'; time: ClockTime }
  | { when: 'tomorrow_from'; time: ClockTime }
  /** a later day this week; `weekday` 0 = Sunday */
  | { when: 'weekday_from'; weekday: number; time: ClockTime };

/** The first problem with an `officeHours` setting, as `<day>` and what is wrong, or null. */
export function officeHoursProblem(input: unknown): { day: string; problem: string } | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { day: '', problem: 'must be an object of days (mon..sun)' };
  }
  for (const [day, hours] of Object.entries(input)) {
    if (!(OFFICE_DAYS as readonly string[]).includes(day)) {
      return { day, problem: 'is not a day (mon, tue, wed, thu, fri, sat, sun)' };
    }
    if (hours === null) continue;
    if (
      !Array.isArray(hours) ||
      hours.length !== 2 ||
      hours.some((t) => typeof t !== 'string' || parseHHmm(t) === null)
    ) {
      return { day, problem: 'must be ["HH:MM", "HH:MM"] or null (closed)' };
    }
    if ((parseHHmm(hours[0]) as number) >= (parseHHmm(hours[1]) as number)) {
      return { day, problem: 'must open before it closes' };
    }
  }
  return null;
}

function clock(text: string): ClockTime {
  const minutes = parseHHmm(text) as number;
  return { hour: Math.floor(minutes / 60), minute: minutes % 60 };
}

/**
 * When staff will next answer a text received at `now`, or null when the clinic has no open day
 * at all (the answer then makes no promise).
 */
export function staffReplyAt(now: Date, zone: string, hours: OfficeHours): StaffReplyAt | null {
  const wall = wallTimeOf(now, zone);
  const minuteNow = wall.hour * 60 + wall.minute;
  const weekdayNow = new Date(wallTimeToUtcMs(wall)).getUTCDay();
  // Seven days ahead is today's weekday again: a clinic open one day a week, asked after closing.
  for (let ahead = 0; ahead <= 7; ahead += 1) {
    const weekday = (weekdayNow + ahead) % 7;
    const open = hours[OFFICE_DAYS[weekday]];
    if (!open) continue;
    const [start, end] = [parseHHmm(open[0]) as number, parseHHmm(open[1]) as number];
    if (ahead === 0) {
      if (minuteNow < start) return { when: 'today_from', time: clock(open[0]) };
      if (minuteNow < end) return { when: 'today_by', time: clock(open[1]) };
      continue;
    }
    if (ahead === 1) return { when: 'tomorrow_from', time: clock(open[0]) };
    return { when: 'weekday_from', weekday, time: clock(open[0]) };
  }
  return null;
}

import { daysInMonth } from '../common/time/starts-at';

/** The longest range one report may cover, in days. */
export const MAX_RANGE_DAYS = 400;

export type RangeResult =
  { ok: true; from: string; to: string; days: number } | { ok: false; errors: string[] };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a valid `YYYY-MM-DD`, or null. */
function dayNumber(value: string): number | null {
  const match = DATE.exec(value);
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return Math.round(date.getTime() / 86_400_000);
}

/**
 * A report range of local dates `[from, to)`: both calendar dates, `from` before `to`, at most
 * MAX_RANGE_DAYS apart. Local dates need no zone here: the database files each appointment
 * under its local date in the clinic's zone, so a 23- or 25-hour day is still one day.
 */
export function parseReportRange(from: string, to: string): RangeResult {
  const errors: string[] = [];
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (start === null) errors.push(`from must be a calendar date YYYY-MM-DD (got ${quote(from)})`);
  if (end === null) errors.push(`to must be a calendar date YYYY-MM-DD (got ${quote(to)})`);
  if (start === null || end === null) return { ok: false, errors };
  if (start >= end) return { ok: false, errors: ['to must be a later date than from'] };
  if (end - start > MAX_RANGE_DAYS) {
    return {
      ok: false,
      errors: [`to must be at most ${MAX_RANGE_DAYS} days after from (got ${end - start})`],
    };
  }
  return { ok: true, from, to, days: end - start };
}

function quote(value: string): string {
  return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value);
}

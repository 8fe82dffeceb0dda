import { shiftWallDate } from './iso-duration';
import { instantsForWallTime, wallTimeOf, wallTimeToInstant, type WallTime } from './starts-at';

/**
 * The daily window, on the recipient's wall clock, in which nothing is sent. `start` is inside
 * the window and `end` is not; a window with `start` after `end` wraps midnight (20:00-08:00).
 * `start` equal to `end` is rejected by `isValidQuietHours` and, should one reach the functions
 * below anyway, treated as no window, so a bad setting can never silence a clinic for good.
 */
export type QuietHours = { start: string; end: string };

const MINUTE_MS = 60_000;

/** Minutes since midnight for a strict `HH:mm` (00:00-23:59), else null. */
export function parseHHmm(text: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

export function isValidQuietHours(qh: QuietHours): boolean {
  const start = parseHHmm(qh.start);
  const end = parseHHmm(qh.end);
  return start !== null && end !== null && start !== end;
}

type Window = { begins: Date; ends: Date };

function minutesOf(text: string): number {
  const minutes = parseHHmm(text);
  if (minutes === null) {
    throw new RangeError(`quiet hours time ${JSON.stringify(text)} is not HH:mm`);
  }
  return minutes;
}

function atMinute(wall: WallTime, dayShift: number, minutes: number): WallTime {
  const date = shiftWallDate(wall, 0, -dayShift);
  return {
    ...date,
    hour: Math.floor(minutes / 60),
    minute: minutes % 60,
    second: 0,
    millisecond: 0,
  };
}

/** The occurrence of the window that contains `instant`, or null when `instant` is outside. */
function windowAround(instant: Date, zone: string, qh: QuietHours | null): Window | null {
  if (!qh) return null;
  const start = minutesOf(qh.start);
  const end = minutesOf(qh.end);
  if (start === end) return null;
  const wall = wallTimeOf(instant, zone);
  const timeOfDay =
    (wall.hour * 60 + wall.minute) * MINUTE_MS + wall.second * 1000 + wall.millisecond;
  const [startMs, endMs] = [start * MINUTE_MS, end * MINUTE_MS];
  const wraps = start > end;
  const inside = wraps
    ? timeOfDay >= startMs || timeOfDay < endMs
    : timeOfDay >= startMs && timeOfDay < endMs;
  if (!inside) return null;
  const beganYesterday = wraps && timeOfDay < endMs;
  const endsTomorrow = wraps && timeOfDay >= startMs;
  const beginWall = atMinute(wall, beganYesterday ? -1 : 0, start);
  const endWall = atMinute(wall, endsTomorrow ? 1 : 0, end);
  // On a fall-back night a boundary time happens twice; the window around `instant` began at the
  // last occurrence not after it and ends at the first one after it. A boundary in a DST gap is
  // crossed at the jump itself.
  const begins =
    instantsForWallTime(beginWall, zone)
      .filter((candidate) => candidate <= instant)
      .pop() ?? wallTimeToInstant(beginWall, zone);
  const ends =
    instantsForWallTime(endWall, zone).find((candidate) => candidate > instant) ??
    wallTimeToInstant(endWall, zone);
  return { begins, ends };
}

/** Whether `instant` falls inside the quiet window on the wall clock of `zone`. */
export function isInQuietHours(instant: Date, zone: string, qh: QuietHours | null): boolean {
  return windowAround(instant, zone, qh) !== null;
}

/**
 * Moves a `due` time that falls in the quiet window to the window's end when that is still
 * strictly before `appointmentStart`, otherwise to the last minute before the window began
 * (19:59 on the evening a 20:00-08:00 window started). Times outside the window are unchanged.
 * The earlier time may already have passed; the caller decides what that means.
 */
export function applyQuietHours(
  due: Date,
  appointmentStart: Date,
  zone: string,
  qh: QuietHours | null,
): Date {
  const window = windowAround(due, zone, qh);
  if (!window) return due;
  if (window.ends < appointmentStart) return window.ends;
  return new Date(window.begins.getTime() - MINUTE_MS);
}

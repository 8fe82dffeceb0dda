import { shiftWallDate } from '../../common/time/iso-duration';
import { applyQuietHours, type QuietHours } from '../../common/time/quiet-hours';
import { localDate, wallTimeOf, wallTimeToInstant } from '../../common/time/starts-at';

/**
 * The clinic's cap on routine texts to one patient on one local day (API.md,
 * `maxRoutineTextsPerPatientPerDay`). The counting itself is SQL (DailyCapsRepository, one
 * counter row per patient and day, taken from in the statement that admits a text, so instances
 * sharing the database never admit more than the cap between them); what is pure is here: which
 * day a text counts for, and what becomes of one over the cap.
 */

/** What the admission statement needs of one routine text. */
export interface CapAsk {
  patientId: string;
  /** the clinic's local date the text goes out on, `YYYY-MM-DD` */
  day: string;
  cap: number;
}

/**
 * The day a text sent at `at` counts for: the clinic's calendar date, so a clinic's day is one
 * day whatever the patient's zone, and a DST day (23 or 25 hours) is still one day.
 */
export function capDay(at: Date, clinicZone: string): string {
  return localDate(at, clinicZone);
}

/**
 * Whether a text is counted: a routine text of a clinic with a cap, never admitted before. A
 * retry (an attempt made) or a text the sender held back and sent back unsent (`capAdmitted`)
 * was counted when it was first admitted; it is the same text.
 */
export function isCounted(
  text: { routine: boolean; attempts: number; capAdmitted: boolean; patientId: string | null },
  cap: number | null,
): cap is number {
  return (
    text.routine &&
    cap !== null &&
    text.attempts === 0 &&
    !text.capAdmitted &&
    text.patientId !== null
  );
}

/**
 * A text over the cap waits for the next day of the clinic (after the patient's quiet hours)
 * when it is still useful then, i.e. strictly before `usefulUntil` (the appointment's start, or
 * the text's expiry); otherwise it is not sent (null).
 */
export function nextDayRunAt(
  at: Date,
  clinicZone: string,
  patientZone: string,
  quietHours: QuietHours | null,
  usefulUntil: Date | null,
): Date | null {
  const wall = wallTimeOf(at, clinicZone);
  // shiftWallDate moves back by its days: -1 is the next day.
  const tomorrow = shiftWallDate({ ...wall, hour: 0, minute: 0, second: 0, millisecond: 0 }, 0, -1);
  // Midnight in a DST gap (some zones jump at 00:00): the day begins at the jump.
  const dayStarts = wallTimeToInstant(tomorrow, clinicZone);
  const limit = usefulUntil ?? new Date(8.64e15);
  const runAt = applyQuietHours(dayStarts, limit, patientZone, quietHours);
  // Moved back before the day began: the quiet window lasts until it is no use.
  if (runAt.getTime() < dayStarts.getTime()) return null;
  return runAt.getTime() < limit.getTime() ? runAt : null;
}

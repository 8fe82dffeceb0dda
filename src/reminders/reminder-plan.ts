import {
  formatIsoDuration,
  parseIsoDuration,
  subtractOffset,
  type IsoDuration,
} from '../common/time/iso-duration';
import { applyQuietHours, type QuietHours } from '../common/time/quiet-hours';

/** The `offset` of the single reminder sent at once when a booking is too late for every offset. */
export const CATCH_UP_OFFSET = 'catch_up';
export const DEFAULT_CATCH_UP_MIN_LEAD_MS = 60 * 60 * 1000;

/**
 * `too_late`: due at or before `now`. `same_time`: quiet hours moved it onto the minute of a
 * larger offset's reminder, and one text is enough. `quiet_hours`: a catch-up that quiet hours
 * would push to after the appointment.
 */
export type ReminderSkipReason = 'too_late' | 'same_time' | 'quiet_hours';

export type PlannedReminder = {
  offset: string;
  dueAt: Date;
  status: 'pending' | 'skipped';
  reason?: ReminderSkipReason;
};

export type ReminderPlanInput = {
  startsAt: Date;
  /** ISO 8601 durations, validated when the clinic saved them; a bad one throws. */
  offsets: readonly string[];
  /** The patient's zone, else the clinic's; used for both calendar days and quiet hours. */
  zone: string;
  quietHours: QuietHours | null;
  now: Date;
  catchUpMinLeadMs?: number;
};

type Draft = PlannedReminder & { unshiftedAt: number; key: string };

function parseOffset(offset: string): IsoDuration {
  const duration = parseIsoDuration(offset);
  if (!duration) {
    throw new RangeError(`reminder offset ${JSON.stringify(offset)} is not an ISO 8601 duration`);
  }
  return duration;
}

function draftFor(offset: string, duration: IsoDuration, input: ReminderPlanInput): Draft {
  const key = formatIsoDuration(duration);
  const unshifted = subtractOffset(input.startsAt, duration, input.zone);
  const dueAt = applyQuietHours(unshifted, input.startsAt, input.zone, input.quietHours);
  const late = dueAt.getTime() <= input.now.getTime();
  const order = { unshiftedAt: unshifted.getTime(), key };
  return late
    ? { offset, dueAt, status: 'skipped', reason: 'too_late', ...order }
    : { offset, dueAt, status: 'pending', ...order };
}

function catchUp(input: ReminderPlanInput): PlannedReminder {
  const { startsAt, zone, quietHours, now } = input;
  const dueAt = applyQuietHours(now, startsAt, zone, quietHours);
  // Quiet hours can only move a catch-up back in time when the window outlasts the appointment.
  if (dueAt < now) {
    return { offset: CATCH_UP_OFFSET, dueAt: now, status: 'skipped', reason: 'quiet_hours' };
  }
  return { offset: CATCH_UP_OFFSET, dueAt, status: 'pending' };
}

/**
 * The reminders for one appointment: one per distinct offset (`PT90M` and `PT1H30M` are one;
 * the first spelling is kept), ordered by due time, the larger offset first on a tie. When
 * every offset is already too late and the start is more than `catchUpMinLeadMs` away, one
 * catch-up reminder is due now. An empty `offsets` list means no reminders, and no catch-up.
 */
export function planReminders(input: ReminderPlanInput): PlannedReminder[] {
  const drafts = new Map<string, Draft>();
  for (const offset of input.offsets) {
    const draft = draftFor(offset, parseOffset(offset), input);
    if (!drafts.has(draft.key)) drafts.set(draft.key, draft);
  }
  // Input order must not matter: `P1D` and `PT24H` can fall on the same instant.
  const ordered = [...drafts.values()].sort(
    (a, b) =>
      a.dueAt.getTime() - b.dueAt.getTime() ||
      a.unshiftedAt - b.unshiftedAt ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );

  let previousPendingAt: number | null = null;
  const plan: PlannedReminder[] = ordered.map(({ unshiftedAt: _at, key: _key, ...reminder }) => {
    if (reminder.status !== 'pending') return reminder;
    const at = reminder.dueAt.getTime();
    if (at === previousPendingAt) return { ...reminder, status: 'skipped', reason: 'same_time' };
    previousPendingAt = at;
    return reminder;
  });

  const lead = input.catchUpMinLeadMs ?? DEFAULT_CATCH_UP_MIN_LEAD_MS;
  const anyPending = plan.some((reminder) => reminder.status === 'pending');
  const aheadMs = input.startsAt.getTime() - input.now.getTime();
  if (plan.length > 0 && !anyPending && aheadMs > lead) plan.push(catchUp(input));
  return plan;
}

/**
 * Replanning after `startsAt` changes: cancel the old pending rows and insert a fresh plan for
 * the new time. Rows already `sending` belong to a dispatcher mid-flight and are left alone
 * (it re-checks the appointment when it claims); sent and skipped rows stay as history.
 */
export function replanReminders<T extends { status: string }>(
  existing: readonly T[],
  input: ReminderPlanInput,
): { cancel: T[]; plan: PlannedReminder[] } {
  return {
    cancel: existing.filter((reminder) => reminder.status === 'pending'),
    plan: planReminders(input),
  };
}

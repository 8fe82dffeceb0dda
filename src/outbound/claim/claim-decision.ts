import { isLive, type AppointmentStatus } from '../../appointments/appointment.machine';
import { applyQuietHours, type QuietHours } from '../../common/time/quiet-hours';
import type { TemplateKind } from '../../messaging/templates';

export type ClaimSkipReason =
  | 'appointment_not_live'
  | 'replanned'
  | 'opted_out'
  | 'no_consent_evidence'
  | 'too_late'
  | 'quiet_hours'
  /** the patient confirmed, and the clinic skips this offset once they have */
  | 'confirmed';

export type ClaimDecision =
  | { action: 'send'; template: TemplateKind }
  | { action: 'skip'; reason: ClaimSkipReason }
  /** inside quiet hours, and the window ends before the appointment: wait for its end */
  | { action: 'reschedule'; runAt: Date };

/** What the dispatcher knows about a reminder at the moment it claimed it. */
export interface ClaimFacts {
  appointmentStatus: AppointmentStatus;
  startsAt: Date;
  /** the start the reminder was planned for; differs once the appointment moved */
  plannedFor: Date;
  optedOut: boolean;
  /** the reminder's offset is one of the clinic's `skipWhenConfirmed` */
  skipWhenConfirmed: boolean;
  /** the clinic requires documented consent and this patient has no opt-in on record */
  lacksConsentEvidence: boolean;
  /** the patient's zone, else the clinic's */
  zone: string;
  quietHours: QuietHours | null;
}

/**
 * The part of the re-check that does not depend on the time: what a cancellation, a move or an
 * opt-out changes. Also asked of a reminder taken ahead of its time just before it is released.
 */
export function stoppedSincePlanned(
  facts: Pick<
    ClaimFacts,
    'appointmentStatus' | 'startsAt' | 'plannedFor' | 'optedOut' | 'skipWhenConfirmed'
  >,
): ClaimSkipReason | null {
  if (!isLive(facts.appointmentStatus)) return 'appointment_not_live';
  // A row the replan could not cancel because it was mid-flight: its text would name the old time.
  if (facts.plannedFor.getTime() !== facts.startsAt.getTime()) return 'replanned';
  if (facts.optedOut) return 'opted_out';
  // Decided when it is due, not when confirmed: a later reschedule request or move brings it back.
  if (facts.skipWhenConfirmed && facts.appointmentStatus === 'confirmed') return 'confirmed';
  return null;
}

/**
 * The re-check at claim time. The plan was right when it was written; since then the patient may
 * have opted out, the clinic may have cancelled or moved the visit, or a retry may have drifted
 * into the night. Pure, so every rule is a unit test.
 */
export function decideAtClaim(facts: ClaimFacts, now: Date): ClaimDecision {
  const stopped = stoppedSincePlanned(facts);
  if (stopped) return { action: 'skip', reason: stopped };
  if (facts.lacksConsentEvidence) return { action: 'skip', reason: 'no_consent_evidence' };
  if (now.getTime() >= facts.startsAt.getTime()) return { action: 'skip', reason: 'too_late' };
  const allowed = applyQuietHours(now, facts.startsAt, facts.zone, facts.quietHours);
  if (allowed.getTime() > now.getTime()) return { action: 'reschedule', runAt: allowed };
  // The window lasts past the start, and the minute before it began is gone.
  if (allowed.getTime() < now.getTime()) return { action: 'skip', reason: 'quiet_hours' };
  return {
    action: 'send',
    template: facts.appointmentStatus === 'confirmed' ? 'see_you' : 'reminder',
  };
}

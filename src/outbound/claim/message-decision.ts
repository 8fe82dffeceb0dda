import type { ClaimedMessage } from './message-claims.repository';
import { statusCallbackUrl } from './outbound-reminder';
import type { SendJob } from '../send/send-job';

export type MessageDecision =
  | { action: 'send' }
  /** an answer that could not go in time: worse late than never */
  | { action: 'expire' }
  /**
   * Nothing goes to an opted-out patient but the confirmation of that opt-out; and a
   * confirmation of a consent change the patient has since reversed would say the wrong thing.
   */
  | { action: 'refuse'; reason: 'opted_out' | 'superseded' | 'no_consent_evidence' };

/**
 * The last check before a producer's text goes out, at claim time. Pure, so each rule is a unit
 * test. Quiet hours are not among them: only reminders wait for the morning (their own re-check).
 */
export function decideAtSend(
  m: Pick<
    ClaimedMessage,
    'expiresAt' | 'optedOut' | 'lacksConsentEvidence' | 'confirmsConsent' | 'confirmsLatestConsent'
  >,
  now: Date,
): MessageDecision {
  if (m.expiresAt && now.getTime() >= m.expiresAt.getTime()) return { action: 'expire' };
  if (m.confirmsConsent && !m.confirmsLatestConsent) {
    return { action: 'refuse', reason: 'superseded' };
  }
  if (m.optedOut && !m.confirmsLatestConsent) return { action: 'refuse', reason: 'opted_out' };
  // A survey, like a reminder, needs the documented opt-in the clinic asks for.
  if (m.lacksConsentEvidence) return { action: 'refuse', reason: 'no_consent_evidence' };
  return { action: 'send' };
}

/** Texts that never expire still stop retrying at some point: a day after they were due. */
const NO_EXPIRY_GIVE_UP_MS = 24 * 3600_000;

/** An answer also tells the provider not to deliver it after its expiry (where it can). */
export function messageJob(m: ClaimedMessage, now: Date, publicBaseUrl: string): SendJob {
  const giveUpAt = m.expiresAt ?? new Date(m.dueAt.getTime() + NO_EXPIRY_GIVE_UP_MS);
  return {
    messageId: m.id,
    kind: m.kind,
    priority: m.priority,
    clinic: m.clinic,
    patientId: m.patientId,
    appointmentId: m.appointmentId,
    sms: {
      to: m.to,
      from: m.from,
      body: m.body,
      statusCallbackUrl: statusCallbackUrl(publicBaseUrl, m.clinic),
      validitySeconds: m.expiresAt
        ? Math.max(1, Math.floor((m.expiresAt.getTime() - now.getTime()) / 1000))
        : undefined,
    },
    segments: m.segments,
    encoding: m.encoding,
    attempts: m.attempts,
    dueAt: m.dueAt,
    giveUpAt,
    expires: m.expiresAt !== null,
    reminderId: null,
  };
}

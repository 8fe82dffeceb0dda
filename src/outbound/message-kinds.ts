/**
 * What kind of text a message is, and the policy the pipeline applies to each. Defined once:
 * producers say only the kind.
 */
/** The due-work kind (and signal) of the outbound pipeline: reminders' planners notify it. */
export const OUTBOUND_WORK = 'outbound';
/**
 * The signal producers' texts (answers, staff texts...) wake the same pipeline with: woken by
 * it, the pipeline looks only for texts, not for reminders too.
 */
export const OUTBOUND_TEXTS = 'outbound-texts';

export const MESSAGE_KINDS = [
  'reminder',
  'keyword_reply',
  'workflow_reply',
  'staff',
  'backfill_offer',
  'survey',
  'broadcast',
  'missed_visit',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** 0 goes first: an answer to a patient's own message. Stored in `messages.priority`. */
export const ANSWER_PRIORITY = 0;
export const ROUTINE_PRIORITY = 1;

export interface KindPolicy {
  priority: typeof ANSWER_PRIORITY | typeof ROUTINE_PRIORITY;
  /**
   * Not sent after this long: an answer an hour late is worse than none; it is `expired`. Null:
   * the producer sets the limit (a reminder is pointless once its appointment has started).
   */
  expiresAfterMs: number | null;
  /**
   * Held for the clinic's quiet hours: routine texts, the clinic speaking first. An answer goes
   * when the patient asked, whatever the hour; a broadcast when the clinic must say it.
   */
  quietHours: boolean;
  /**
   * The clinic speaking first, on its own schedule (reminders, surveys): held back by
   * `requireConsentEvidence`. Answers, staff texts and broadcasts are not routine.
   */
  routine: boolean;
}

const ANSWER_EXPIRY_MS = 10 * 60_000;
export const OFFER_EXPIRY_MS = 10 * 60_000;
/** A survey about today's visit is stale by the next day. */
const SURVEY_EXPIRY_MS = 12 * 3_600_000;
/** A follow-up about a missed visit is stale by the next day, like a survey. */
const MISSED_VISIT_EXPIRY_MS = 12 * 3_600_000;
/** A closure notice a day late tells the patient nothing. */
const BROADCAST_EXPIRY_MS = 24 * 3_600_000;

export const KIND_POLICIES: Readonly<Record<MessageKind, KindPolicy>> = {
  reminder: { priority: ROUTINE_PRIORITY, expiresAfterMs: null, quietHours: true, routine: true },
  keyword_reply: {
    priority: ANSWER_PRIORITY,
    expiresAfterMs: ANSWER_EXPIRY_MS,
    quietHours: false,
    routine: false,
  },
  workflow_reply: {
    priority: ANSWER_PRIORITY,
    expiresAfterMs: ANSWER_EXPIRY_MS,
    quietHours: false,
    routine: false,
  },
  // Staff write from the inbox, mostly in reply to the patient; same footing as an answer.
  staff: {
    priority: ANSWER_PRIORITY,
    expiresAfterMs: ANSWER_EXPIRY_MS,
    quietHours: false,
    routine: false,
  },
  // Freed time offered from the waitlist: routine, but claimed with the producers' texts, so
  // ahead of reminders. Quiet hours: the wave is not run inside them, and an offer that could
  // not go within OFFER_EXPIRY_MS of its wave (so could reach them) is not sent at all.
  backfill_offer: {
    priority: ROUTINE_PRIORITY,
    expiresAfterMs: OFFER_EXPIRY_MS,
    quietHours: true,
    routine: true,
  },
  // Routine; its producer moves it out of quiet hours when it writes it.
  survey: {
    priority: ROUTINE_PRIORITY,
    expiresAfterMs: SURVEY_EXPIRY_MS,
    quietHours: true,
    routine: true,
  },
  // The one text after a no-show: routine; its producer moves it out of quiet hours.
  missed_visit: {
    priority: ROUTINE_PRIORITY,
    expiresAfterMs: MISSED_VISIT_EXPIRY_MS,
    quietHours: true,
    routine: true,
  },
  // A closure: ahead of every routine text, on the answers' footing.
  broadcast: {
    priority: ANSWER_PRIORITY,
    expiresAfterMs: BROADCAST_EXPIRY_MS,
    quietHours: false,
    routine: false,
  },
};

/** The kinds `requireConsentEvidence` holds back, as the claim statements read them. */
export const ROUTINE_KINDS: readonly MessageKind[] = MESSAGE_KINDS.filter(
  (k) => KIND_POLICIES[k].routine,
);

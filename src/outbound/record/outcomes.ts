import type { MessageKind } from '../message-kinds';

/**
 * Which rows an outcome settles: the message (null when none was written: a reminder the
 * re-check stopped) and the reminder it is an attempt of (null for every other kind of text).
 */
interface Target {
  messageId: string | null;
  reminderId: string | null;
  /** the message's kind, for the metrics */
  messageKind: MessageKind;
}

/** What became of one claimed text (or reminder), as the pipeline records it. */
export type SendOutcome = Target &
  (
    | {
        kind: 'sent';
        messageId: string;
        providerMessageId: string;
        segments: number | null;
        at: Date;
        dueAt: Date;
      }
    /** transient failure: due again at `runAt` */
    | {
        kind: 'retried';
        messageId: string;
        runAt: Date;
        reason: string;
        code: string | null;
        detail: string;
      }
    | {
        kind: 'failed';
        /** a provider call was made (its answer is a fact, recorded lease or no lease) */
        attempted: boolean;
        reason: string;
        code: string | null;
        detail: string;
        /** the provider reported the patient unsubscribed */
        optOut?: { clinicId: string; phone: string; at: Date };
      }
    /** an answer that could not go in time */
    | { kind: 'expired'; messageId: string; reason: string; attempted?: boolean }
    /** the reminder's re-check said no */
    | { kind: 'skipped'; reminderId: string; reason: string }
    /** a reminder inside quiet hours: pending again until the window ends */
    | { kind: 'rescheduled'; reminderId: string; runAt: Date; reason: string }
    /** the sender's rate cap had no slot soon enough: due again, never handed to the provider */
    | { kind: 'deferred'; runAt: Date }
  );

export type OutcomeKind = SendOutcome['kind'];

export const OUTCOME_KINDS: readonly OutcomeKind[] = [
  'sent',
  'retried',
  'failed',
  'expired',
  'skipped',
  'rescheduled',
  'deferred',
];

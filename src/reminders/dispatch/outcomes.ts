/** What became of one claimed reminder, as the dispatcher records it. */
export type ReminderOutcome =
  | {
      kind: 'sent';
      reminderId: string;
      messageId: string;
      providerMessageId: string;
      segments: number | null;
      at: Date;
      dueAt: Date;
    }
  /** transient failure: back to pending for a later attempt */
  | {
      kind: 'retried';
      reminderId: string;
      messageId: string;
      runAt: Date;
      reason: string;
      code: string | null;
      detail: string;
    }
  | {
      kind: 'failed';
      reminderId: string;
      /** null when the provider was never called */
      messageId: string | null;
      reason: string;
      code: string | null;
      detail: string;
      /** the provider reported the patient unsubscribed */
      optOut?: { clinicId: string; phone: string; at: Date };
    }
  /** the claim-time re-check said no */
  | { kind: 'skipped'; reminderId: string; reason: string }
  /** inside quiet hours: pending again until the window ends */
  | { kind: 'rescheduled'; reminderId: string; runAt: Date; reason: string }
  /** the sender's rate cap had no slot soon enough: pending again, never handed to the provider */
  | { kind: 'deferred'; reminderId: string; messageId: string | null; runAt: Date };

export type OutcomeKind = ReminderOutcome['kind'];

export const OUTCOME_KINDS: readonly OutcomeKind[] = [
  'sent',
  'retried',
  'failed',
  'skipped',
  'rescheduled',
  'deferred',
];

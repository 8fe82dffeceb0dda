import type { EntityManager } from 'typeorm';

export type ConversationMessageKind = 'workflow_reply' | 'keyword_reply' | 'staff';

export interface ConversationText {
  clinicId: string;
  /** null for a number that is no patient of the clinic (a keyword answer) */
  patientId: string | null;
  appointmentId: string | null;
  /** +E.164 */
  to: string;
  body: string;
  kind: ConversationMessageKind;
  /**
   * The consent event this text confirms: it goes only while that event is the patient's
   * latest (see OutboundText).
   */
  confirmsConsentEvent?: string | null;
  /** the inbound message this answers, if any */
  inReplyTo?: string;
  /** when it was decided (the Clock's now) */
  at: Date;
}

/**
 * How the conversation workflow sends a text: recorded in the caller's transaction (so an
 * answer exists exactly when the change it describes committed) and sent after the commit by
 * the one outbound pipeline, answers ahead of reminders.
 */
export abstract class ConversationOutbox {
  abstract enqueue(m: EntityManager, text: ConversationText): Promise<void>;
  /** Several texts, in one round trip. */
  abstract enqueueMany(m: EntityManager, texts: ConversationText[]): Promise<void>;
}

import type {
  InboundSms,
  ProviderType,
  StatusUpdate,
} from '../../messaging/providers/sms-provider.port';

/** The due-work kind (and signal) of the webhook inbox: the intake notifies it. */
export const INBOX_WORK = 'inbox';

/** A normalised provider event as the inbox stores it: no credentials, no raw request. */
export type InboxEvent =
  { kind: 'inbound'; message: InboundSms } | { kind: 'status'; update: StatusUpdate };

export interface InboxWrite {
  providerType: ProviderType;
  clinicId: string;
  /**
   * The clinic's settings version the event was authenticated against: it is stored only if
   * that is still the clinic's version (null: authenticated otherwise, nothing to check).
   */
  clinicVersion: number | null;
  event: InboxEvent;
  receivedAt: Date;
}

/** `stale`: the clinic changed since the credentials that authenticated the event were read. */
export type InboxWriteOutcome = 'stored' | 'duplicate' | 'stale';

export interface InboxRow {
  id: string;
  providerType: ProviderType;
  clinicId: string;
  event: InboxEvent;
  receivedAt: Date;
  /** attempts counted before this claim: those that ended in an error, and those run alone */
  attempts: number;
  /** times claimed, this claim included */
  claims: number;
  /** this attempt is already counted in `attempts` (run alone, see InboxProcessor) */
  attemptCounted?: boolean;
}

/**
 * Inbound messages are keyed by the provider's message id. A status callback is keyed by message
 * id and the provider's own status word: Twilio posts one callback per status with the same
 * MessageSid, and each distinct one is a separate event, while a retried one is a duplicate.
 */
export function eventKey(event: InboxEvent): string {
  if (event.kind === 'inbound') return event.message.providerMessageId;
  const { providerMessageId, rawStatus } = event.update;
  return `${providerMessageId}:${rawStatus.trim().toLowerCase()}`;
}

/** A patient's texts are processed in the order received; status callbacks need no order. */
export function conversationOf(event: InboxEvent): string | null {
  return event.kind === 'inbound' ? event.message.from : null;
}

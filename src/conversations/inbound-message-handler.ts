import type { EntityManager } from 'typeorm';
import type { ProviderType } from '../messaging/providers/sms-provider.port';
import type { ReplyPatient } from '../patients/patients.repository';

/** A patient's text as the webhook inbox received it, before it is stored. */
export interface InboundText {
  clinicId: string;
  providerType: ProviderType;
  /** +E.164 */
  from: string;
  /** the clinic's number it was sent to (+E.164) */
  to: string;
  body: string;
  /** when the webhook was acknowledged */
  receivedAt: Date;
}

/** What the message log stores with a text: who wrote it and the appointment it is about. */
export interface InboundLink {
  /** null when no patient of the clinic has this number */
  patientId: string | null;
  /** the patient's upcoming live appointment whose reminder was sent last, if any */
  appointmentId: string | null;
}

/** A patient's text, stored once in the message log and linked where it could be. */
export interface ReceivedMessage extends InboundText, InboundLink {
  /** the inbound row in `messages` */
  messageId: string;
  /** that patient as the text found them (read when it was linked, in this transaction) */
  patient: ReplyPatient | null;
  /** the clinic's version as this transaction saw it when the text was linked, if read */
  clinicVersion?: number | null;
}

/**
 * The texts of one inbox transaction, owned by the inbox: `add` each stored text, then `finish`
 * (the answers of the whole batch, in one statement), or `abandon` when an `add` failed and
 * the transaction is rolled back (to its savepoint), so its answers go with it.
 */
export interface InboundBatch {
  /** per text given to `begin`, in its order */
  readonly links: readonly InboundLink[];
  /** Handles the text at `index` of `begin`, stored as `messageId`. */
  add(index: number, messageId: string): Promise<void>;
  finish(): Promise<void>;
  abandon(): void;
}

/**
 * What happens to a patient's text once it is stored: the port between the webhook inbox and
 * the conversation workflow. A batch runs inside the transaction that stores the messages and
 * settles the inbox events, so a failure rolls both back and the events are retried, never
 * half-applied; all of its work goes through `m`, and texts to send are sent after the commit.
 */
export abstract class InboundMessageHandler {
  /** Links the texts (see InboundBatch.links), in one read for the whole batch. */
  abstract begin(m: EntityManager, texts: InboundText[]): Promise<InboundBatch>;
}

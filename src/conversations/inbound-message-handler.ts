import type { EntityManager } from 'typeorm';
import type { ProviderType } from '../messaging/providers/sms-provider.port';
import type { ReplyPatient } from '../patients/patients.repository';

/** A patient's text, stored once in the message log and linked where it could be. */
export interface ReceivedMessage {
  /** the inbound row in `messages` */
  messageId: string;
  clinicId: string;
  providerType: ProviderType;
  /** null when no patient of the clinic has this number */
  patientId: string | null;
  /** that patient as the text found them (read when it was linked, in this transaction) */
  patient: ReplyPatient | null;
  /** the clinic's version as this transaction saw it when the text was linked, if read */
  clinicVersion?: number | null;
  /** the patient's upcoming live appointment whose reminder was sent last, if any */
  appointmentId: string | null;
  /** +E.164 */
  from: string;
  /** the clinic's number it was sent to (+E.164) */
  to: string;
  body: string;
  /** when the webhook was acknowledged */
  receivedAt: Date;
}

/**
 * What happens to a patient's text once it is stored: the port between the webhook inbox and
 * the conversation workflow. It runs inside the transaction that stores the message and settles
 * the inbox event, so a failure rolls both back and the event is retried, never half-applied.
 * A rolled-back call may be repeated, so all of its work goes through `m`; effects outside the
 * database (texts to send) are recorded there and performed after the commit.
 */
export abstract class InboundMessageHandler {
  abstract handle(m: EntityManager, message: ReceivedMessage): Promise<void>;

  /**
   * After the last `handle` of a batch, still in its transaction: writes what the handler
   * gathered for the batch (the answers, in one statement). The inbox always calls it.
   */
  finish(_m: EntityManager): Promise<void> {
    return Promise.resolve();
  }

  /** A `handle` failed and is rolled back (to its savepoint): forget what it gathered. */
  abandon(_m: EntityManager): void {}
}

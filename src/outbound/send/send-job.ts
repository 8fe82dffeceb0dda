import type { OutboundSms } from '../../messaging/providers/sms-provider.port';
import type { SmsEncoding } from '../../messaging/segments';
import type { ClaimedClinic } from '../claim/claimed-reminder';
import type { MessageKind } from '../message-kinds';

/**
 * One text on its way, whatever produced it: its message row (written before the provider call,
 * under this instance's lease), the request, and what its outcome must update.
 */
export interface SendJob {
  messageId: string;
  kind: MessageKind;
  /** 0 for answers: they take the sender's next slot ahead of routine texts */
  priority: number;
  clinic: ClaimedClinic;
  patientId: string | null;
  appointmentId: string | null;
  sms: OutboundSms;
  segments: number;
  encoding: SmsEncoding;
  /** provider calls already made for this text (for a reminder: for the reminder) */
  attempts: number;
  /** when it was due: lateness is measured from here */
  dueAt: Date;
  /** no attempt at or after this instant: the appointment's start, or an answer's expiry */
  giveUpAt: Date;
  /** an answer past giveUpAt is `expired`; a reminder past it has failed (gave up) */
  expires: boolean;
  /** the reminder this text is an attempt of: its row follows the outcome */
  reminderId: string | null;
}

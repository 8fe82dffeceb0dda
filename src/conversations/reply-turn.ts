import type { ClinicEntity } from '../clinics/clinic.entity';
import type { ReplyPatient } from '../patients/patients.repository';
import type { ReceivedMessage } from './inbound-message-handler';
import type { ReplyAnswers } from './reply-answers';

/** One patient text being handled, with what every step of the workflow needs to know. */
export interface ReplyTurn {
  clinic: ClinicEntity;
  message: ReceivedMessage;
  patient: ReplyPatient;
  /** when the workflow ran (the Clock's now) */
  now: Date;
  /** the conversation was already waiting for staff before this text */
  waitingForStaff: boolean;
  /** the answers of the text's batch */
  answers: ReplyAnswers;
}

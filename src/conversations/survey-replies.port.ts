import type { EntityManager } from 'typeorm';
import type { AnswerTo } from './reply-answers';

/** What a text did to the patient's survey: the answer to send and whether staff should look. */
export interface SurveyReplyOutcome {
  /** the visit the survey is about */
  appointmentId: string;
  answer: string | null;
  flag: 'low_rating' | null;
}

/**
 * The survey's part of a patient's text, owned by the reply workflow and implemented by the
 * surveys module, inside the inbox's transaction. Null: the text is not the survey's.
 */
export abstract class SurveyReplies {
  abstract take(
    m: EntityManager,
    turn: AnswerTo & { body: string },
  ): Promise<SurveyReplyOutcome | null>;
}

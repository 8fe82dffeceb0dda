import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AnswerTo } from '../conversations/reply-answers';
import { SurveyReplies, SurveyReplyOutcome } from '../conversations/survey-replies.port';
import { languageOf } from '../messaging/templates';
import { LOW_RATING, surveyStep } from './survey-answer';
import { surveyThanks } from './survey-templates';
import { SurveysRepository } from './surveys.repository';

/**
 * A patient's text as an answer to their latest survey: a 1-5 score (thanked, with the one
 * follow-up question; 1 or 2 flags the conversation for staff) or, within 24 hours of the
 * score, the comment. Only while the survey is the newest thing the patient was asked.
 */
@Injectable()
export class SurveyAnswers extends SurveyReplies {
  constructor(private readonly surveys: SurveysRepository) {
    super();
  }

  async take(
    m: EntityManager,
    turn: AnswerTo & { body: string },
  ): Promise<SurveyReplyOutcome | null> {
    const survey = await this.surveys.latestFor(m, turn.clinic.id, turn.patient.id, turn.now);
    if (!survey) return null;
    const step = surveyStep(
      {
        askedAt: survey.asked_at,
        score: survey.score,
        answeredAt: survey.answered_at,
        comment: survey.comment,
        otherAskedAt: survey.other_asked_at,
      },
      turn.body,
      turn.now,
    );
    if (!step) return null;
    const about = { appointmentId: survey.appointment_id };
    if (step.kind === 'comment') {
      await this.surveys.comment(m, survey.id, step.text, turn.now);
      return { ...about, answer: null, flag: null };
    }
    await this.surveys.score(m, survey.id, step.score, turn.now);
    return {
      ...about,
      answer: surveyThanks(languageOf(turn.patient.language), turn.clinic.name),
      flag: step.score <= LOW_RATING ? 'low_rating' : null,
    };
  }
}

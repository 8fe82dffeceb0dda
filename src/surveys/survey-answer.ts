/**
 * What a patient's text means to their latest survey, pure. A text is read as the survey's only
 * while the survey's question is the newest thing Turnout asked them: a digit after a later
 * reschedule offer (or reminder) belongs to that, not to the survey.
 */
import { normaliseReply } from '../conversations/reply-classifier';

/** How long after the score the next text is kept as the comment. */
export const COMMENT_WINDOW_MS = 24 * 3_600_000;
/** Scores at or below this flag the conversation for staff (`low_rating`). */
export const LOW_RATING = 2;
export const MAX_COMMENT_CHARS = 2000;

export interface SurveyState {
  /** when the question was sent */
  askedAt: Date;
  score: number | null;
  /** when the score came, which is when the follow-up was asked */
  answeredAt: Date | null;
  comment: string | null;
  /** when Turnout last asked this patient anything else (an open offer, a reminder), if ever */
  otherAskedAt: Date | null;
}

export type SurveyStep = { kind: 'score'; score: number } | { kind: 'comment'; text: string };

/** "5", " 4! ", "3 ⭐" -> the score; anything else -> null. */
export function parseScore(body: string): number | null {
  const normalised = normaliseReply(body);
  return /^[1-5]$/.test(normalised) ? Number(normalised) : null;
}

const newest = (at: Date, other: Date | null) => other === null || at > other;

export function surveyStep(state: SurveyState, body: string, now: Date): SurveyStep | null {
  if (state.score === null) {
    if (!newest(state.askedAt, state.otherAskedAt)) return null;
    const score = parseScore(body);
    return score === null ? null : { kind: 'score', score };
  }
  const answeredAt = state.answeredAt!;
  if (state.comment !== null || now.getTime() - answeredAt.getTime() > COMMENT_WINDOW_MS) {
    return null;
  }
  if (!newest(answeredAt, state.otherAskedAt)) return null;
  const text = body.trim().slice(0, MAX_COMMENT_CHARS);
  return text === '' ? null : { kind: 'comment', text };
}

import { parseScore, surveyStep, type SurveyState } from './survey-answer';

const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00Z`);
const asked = (over: Partial<SurveyState> = {}): SurveyState => ({
  askedAt: at('15:00'),
  score: null,
  answeredAt: null,
  comment: null,
  otherAskedAt: null,
  ...over,
});

describe('parseScore', () => {
  it.each([
    ['5', 5],
    [' 4! ', 4],
    ['1.', 1],
    ['3 ⭐', 3],
    ['0', null],
    ['6', null],
    ['45', null],
    ['five', null],
    ['', null],
  ])('%j -> %j', (body, score) => expect(parseScore(body)).toBe(score));
});

describe('surveyStep', () => {
  it('reads 1-5 as the score while the question is the newest thing asked', () => {
    expect(surveyStep(asked(), '4', at('15:05'))).toEqual({ kind: 'score', score: 4 });
    expect(surveyStep(asked({ otherAskedAt: at('14:00') }), '2', at('15:05'))).toEqual({
      kind: 'score',
      score: 2,
    });
  });

  it('leaves a digit to a later offer or reminder', () => {
    expect(surveyStep(asked({ otherAskedAt: at('15:01') }), '2', at('15:05'))).toBeNull();
  });

  it('leaves anything but 1-5 to the reply workflow before the score', () => {
    expect(surveyStep(asked(), 'C', at('15:05'))).toBeNull();
  });

  it('keeps the next text within 24 h of the score as the comment, once', () => {
    const answered = asked({ score: 5, answeredAt: at('15:05') });
    expect(surveyStep(answered, ' Parking was hard ', at('16:00'))).toEqual({
      kind: 'comment',
      text: 'Parking was hard',
    });
    expect(surveyStep(answered, '3', at('16:00'))).toEqual({ kind: 'comment', text: '3' });
    expect(surveyStep({ ...answered, comment: 'x' }, 'more', at('16:00'))).toBeNull();
    expect(surveyStep(answered, 'late', new Date(at('15:05').getTime() + 86_400_001))).toBeNull();
    expect(surveyStep({ ...answered, otherAskedAt: at('15:30') }, 'C', at('16:00'))).toBeNull();
  });
});

import { refitDue } from './risk-refit.service';

const NOW = new Date('2026-12-08T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

describe('refitDue', () => {
  it.each([
    ['no model yet', { fittedAt: null, finishedVisits: 0, trainingSize: null }, 250, true],
    [
      'fitted an hour ago, nothing new',
      { fittedAt: hoursAgo(1), finishedVisits: 1_000, trainingSize: 1_000 },
      1_000,
      false,
    ],
    [
      'a day old',
      { fittedAt: hoursAgo(24), finishedVisits: 1_000, trainingSize: 1_000 },
      1_000,
      true,
    ],
    [
      '99 new of 1,000 (10% is 100)',
      { fittedAt: hoursAgo(1), finishedVisits: 1_000, trainingSize: 1_000 },
      1_099,
      false,
    ],
    [
      '100 new of 1,000',
      { fittedAt: hoursAgo(1), finishedVisits: 1_000, trainingSize: 1_000 },
      1_100,
      true,
    ],
    [
      '49 new of 300 (at least 50)',
      { fittedAt: hoursAgo(1), finishedVisits: 300, trainingSize: 300 },
      349,
      false,
    ],
    ['50 new of 300', { fittedAt: hoursAgo(1), finishedVisits: 300, trainingSize: 300 }, 350, true],
  ])('%s -> %s', (_name, last, finished, due) => {
    expect(refitDue(last, finished, NOW)).toBe(due);
  });
});

import { simulateVisitYear, VISIT_YEAR_ZONE } from '../../test/support/visit-year';
import { auc } from './risk-metrics';
import { fitRiskModel, MIN_TRAINING_VISITS, probability, scoreVisit } from './risk-model';

describe('the risk model on a simulated year with known effects', () => {
  // One year of 100,000 visits: the model learns from the first 50,000 and is judged on the last
  // 50,000, which it never saw, against the generator's own true probabilities.
  const year = simulateVisitYear({ visits: 100_000, seed: 2026 });
  const train = year.slice(0, 50_000);
  const test = year.slice(50_000);
  const model = fitRiskModel(
    train.map((v) => v.facts),
    Uint8Array.from(train, (v) => v.noShow),
    VISIT_YEAR_ZONE,
  )!;

  it('reaches within 0.02 of the best possible AUC on 50,000 unseen visits', () => {
    const outcomes = Uint8Array.from(test, (v) => v.noShow);
    const best = auc(
      test.map((v) => v.trueProbability),
      outcomes,
    )!;
    const learned = auc(
      test.map((v) => probability(model, v.facts)),
      outcomes,
    )!;
    expect(test).toHaveLength(50_000);
    expect(best).toBeGreaterThan(0.7);
    expect(learned).toBeGreaterThan(best - 0.02);
  });

  it('is calibrated on the held-out month: observed and predicted agree decile by decile', () => {
    const evaluation = model.evaluation!;
    expect(evaluation.visits).toBeGreaterThan(1_000);
    expect(evaluation.auc).toBeGreaterThan(0.65);
    expect(evaluation.brier).toBeLessThan(0.15);
    for (const bin of evaluation.reliability) {
      expect(Math.abs(bin.meanPredicted - bin.observedRate)).toBeLessThan(0.05);
    }
  });

  it('a confirmation lowers the score; earlier no-shows and a long lead raise it, in words', () => {
    const base = {
      startsAt: new Date('2026-12-09T15:00:00Z'),
      bookedAt: new Date('2026-12-08T15:00:00Z'),
      priorVisits: 4,
      priorNoShows: 0,
      type: 'cleaning',
      practitioner: 'Dr. Kim',
      confirmed: false,
    };
    const open = scoreVisit(model, base);
    expect(scoreVisit(model, { ...base, confirmed: true }).score).toBeLessThan(open.score);
    const risky = scoreVisit(model, {
      ...base,
      priorNoShows: 2,
      bookedAt: new Date('2026-10-25T15:00:00Z'),
    });
    expect(risky.score).toBeGreaterThan(open.score);
    expect(risky.reasons).toEqual(
      expect.arrayContaining(['2 earlier no-shows in 4 visits', 'booked 45 days ahead']),
    );
    expect(risky.band).toBe('high');
  });

  it('with fewer than 200 finished visits there is no model', () => {
    const few = year.slice(0, MIN_TRAINING_VISITS - 1);
    expect(
      fitRiskModel(
        few.map((v) => v.facts),
        Uint8Array.from(few, (v) => v.noShow),
        VISIT_YEAR_ZONE,
      ),
    ).toBeNull();
  });
});

import { auc, brierScore, reliabilityDeciles } from './risk-metrics';

describe('risk metrics', () => {
  it.each([
    ['perfect separation', [0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 1],
    ['reversed', [0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], 0],
    ['all tied', [0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5],
    // pairs (pos, neg): (0.4 vs 0.1) win, (0.4 vs 0.35) win, (0.4 vs 0.8) loss, (0.9 vs all) 3 wins
    ['worked example', [0.1, 0.35, 0.4, 0.8, 0.9], [0, 0, 1, 0, 1], 5 / 6],
    ['a tie counts half', [0.3, 0.3, 0.9], [0, 1, 1], 0.75],
  ])('AUC, %s', (_name, p, y, expected) => {
    expect(auc(p, y)).toBeCloseTo(expected, 10);
  });

  it('AUC is null without both outcomes', () => {
    expect(auc([0.1, 0.2], [0, 0])).toBeNull();
  });

  it('Brier score: mean squared error of the probabilities', () => {
    expect(brierScore([0.1, 0.9, 0.5], [0, 1, 1])).toBeCloseTo((0.01 + 0.01 + 0.25) / 3, 12);
    expect(brierScore([], [])).toBeNull();
  });

  it('reliability: ten equal groups by predicted risk, predicted mean beside observed rate', () => {
    const p = Array.from({ length: 100 }, (_, i) => i / 100);
    const y = p.map((_, i) => (i % 10 === 0 ? 1 : 0));
    const bins = reliabilityDeciles(p, y);
    expect(bins).toHaveLength(10);
    expect(bins[0]).toMatchObject({ decile: 1, visits: 10, observedRate: 0.1 });
    expect(bins[0].meanPredicted).toBeCloseTo(0.045, 12);
    expect(bins.map((b) => b.visits).reduce((a, b) => a + b)).toBe(100);
  });
});

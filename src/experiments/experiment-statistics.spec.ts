import {
  chiSquareP,
  chiSquareStatistic,
  compare,
  fisherExact,
  newcombeInterval,
  samplePerGroup,
  twoSidedP,
  verdict,
  wilsonInterval,
} from './experiment-statistics';

/**
 * Reference values, each written down from an outside source (never from this code):
 * - Wilson: Newcombe (1998a) Stat Med 17:857, Table I, method 3, and scipy 1.17
 *   `binomtest(k, n).proportion_ci(method='wilson')` (same to 4 decimals);
 * - Newcombe hybrid score: Newcombe (1998b) Stat Med 17:873, Table II, method 10;
 * - Fisher: scipy 1.17 `fisher_exact(table)` (two-sided); the tea-tasting table is Fisher's;
 * - chi-square: scipy 1.17 `chi2_contingency(table, correction=False)`;
 * - sample size: Fleiss, Levin & Paik (2003) worked example, 0.20 against 0.10 -> 199 per group
 *   without continuity correction; the Hallsworth rates from scipy's `norm.ppf` in the formula.
 */
describe('wilsonInterval', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [29, 29, 0.883, 1],
    [555, 5000, 0.1026, 0.12],
  ])('%i/%i -> %f to %f', (x, n, low, high) => {
    const interval = wilsonInterval(x, n)!;
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it('is null with nothing to measure', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});

describe('newcombeInterval (hybrid score, method 10)', () => {
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
  ])('%i/%i - %i/%i -> %f to %f', (x1, n1, x2, n2, low, high) => {
    const interval = newcombeInterval(x1, n1, x2, n2)!;
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });
});

describe('fisherExact', () => {
  it.each([
    // Fisher's lady tasting tea: 3 of 4 cups right each way.
    [[3, 1, 1, 3], 0.4857],
    [[1, 9, 11, 3], 0.0028],
    [[2, 30, 9, 25], 0.0452],
    [[0, 40, 4, 36], 0.1156],
  ])('%j -> p = %f', ([a, b, c, d], p) => {
    expect(fisherExact(a, b, c, d)).toBeCloseTo(p, 4);
  });
});

describe('chi-square without continuity correction', () => {
  it.each([
    [[30, 170, 45, 155], 3.6923, 0.0547],
    [[12, 88, 25, 75], 5.6044, 0.0179],
  ])('%j -> X2 = %f, p = %f', ([a, b, c, d], statistic, p) => {
    expect(chiSquareStatistic(a, b, c, d)).toBeCloseTo(statistic, 4);
    expect(chiSquareP(a, b, c, d)).toBeCloseTo(p, 4);
  });

  it('matches at the Hallsworth sizes: 420/5000 against 555/5000 (p = 5.34e-6)', () => {
    expect(chiSquareStatistic(420, 4580, 555, 4445)).toBeCloseTo(20.7117, 4);
    expect(chiSquareP(420, 4580, 555, 4445)).toBeCloseTo(5.34e-6, 7);
  });
});

describe('twoSidedP', () => {
  it('uses Fisher when an expected count is below 5, chi-square otherwise', () => {
    expect(twoSidedP(3, 1, 1, 3).test).toBe('fisher_exact');
    expect(twoSidedP(0, 40, 4, 36).test).toBe('fisher_exact');
    expect(twoSidedP(30, 170, 45, 155).test).toBe('chi_square');
  });
});

describe('samplePerGroup (80% power, two-sided alpha 0.05)', () => {
  it('0.20 against 0.10 needs 199 per group (Fleiss)', () => {
    expect(samplePerGroup(0.2, 0.1)).toBe(199);
  });
  it('Hallsworth 11.1% against 8.4% needs 1,894 per group (1893.61 rounded up)', () => {
    expect(samplePerGroup(0.111, 0.084)).toBe(1894);
  });
  it('is null for no difference', () => {
    expect(samplePerGroup(0.1, 0.1)).toBeNull();
  });
});

describe('compare and verdict', () => {
  const control = { noShows: 555, attended: 4445 };
  const cost = { noShows: 420, attended: 4580 };

  it('reports the difference, its interval, the test and the sample', () => {
    const c = compare(cost, control)!;
    expect(c.difference).toBeCloseTo(-0.027, 6);
    expect(c.differenceInterval.low).toBeCloseTo(-0.0386, 4);
    expect(c.differenceInterval.high).toBeCloseTo(-0.0154, 4);
    expect(c.test).toBe('chi_square');
    expect(c.neededPerVariant).toBe(1894);
    expect(verdict('cost', cost, 'control', control, c)).toBe(
      'Variant cost had fewer no-shows than control (8.4% against 11.1%), and the difference ' +
        'is unlikely to be chance (p < 0.001).',
    );
  });

  it('says there are not enough visits yet when the sample is short', () => {
    const few = { noShows: 2, attended: 18 };
    const fewControl = { noShows: 3, attended: 17 };
    const c = compare(few, fewControl)!;
    expect(c.test).toBe('fisher_exact');
    expect(verdict('cost', few, 'control', fewControl, c)).toMatch(
      /^Not enough visits yet to tell: cost 10\.0% against 15\.0% for control \(p = 1\.000\); about \d+ more finished visits per variant/,
    );
    expect(verdict('cost', few, 'control', { noShows: 0, attended: 0 }, null)).toBe(
      'Not enough visits yet to tell cost from control.',
    );
  });
});

/** mulberry32: a small seeded PRNG, so each simulated trial is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function arm(random: () => number, size: number, noShowRate: number) {
  let noShows = 0;
  for (let i = 0; i < size; i++) if (random() < noShowRate) noShows++;
  return { noShows, attended: size - noShows };
}

/**
 * Data with a known answer, at the sizes of Hallsworth et al. (2015, PLoS ONE): control 11.1%
 * no-shows, the "cost of a missed visit" text 8.4%, about 5,000 appointments per arm.
 */
describe('simulated trials with a known answer', () => {
  const SIZE = 5_000;

  it('detects a true 2.7-point effect (power at this size is about 99.7%)', () => {
    let detected = 0;
    const seeds = 100;
    for (let seed = 1; seed <= seeds; seed++) {
      const random = mulberry32(seed);
      const control = arm(random, SIZE, 0.111);
      const cost = arm(random, SIZE, 0.084);
      const c = compare(cost, control)!;
      if (c.pValue < 0.05 && c.differenceInterval.high < 0) detected++;
    }
    // Expected 99.7 of 100; 97 or more holds with probability > 0.999 at that power.
    expect(detected).toBeGreaterThanOrEqual(97);
  });

  it('finds no effect where there is none about 5% of the time over 400 seeds', () => {
    const seeds = 400;
    let falsePositives = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const random = mulberry32(10_000 + seed);
      const a = arm(random, SIZE, 0.111);
      const b = arm(random, SIZE, 0.111);
      if (compare(b, a)!.pValue < 0.05) falsePositives++;
    }
    // The binomial(400, 0.05) 99% band is 10 to 32 (scipy binom: P(X <= 9) = 0.0042,
    // P(X >= 33) = 0.0038): a test that is too eager or too shy falls outside it.
    expect(falsePositives).toBeGreaterThanOrEqual(10);
    expect(falsePositives).toBeLessThanOrEqual(32);
  });
});

import { jStat } from './jstat';
import { assignmentPoint, assignVariant } from './variant-assignment';

const EXPERIMENT = '0b9c6f3e-6c1a-4f57-9d55-2f4a0d1c7e21';

/** Deterministic appointment ids in uuid form, so the spec gives the same answer every run. */
function appointmentId(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `5e7d1a20-0000-4000-8000-${hex}`;
}

describe('assignVariant', () => {
  it('is a pure function of (experiment, appointment)', () => {
    const weights = [1, 1, 1];
    for (let i = 0; i < 200; i++) {
      const first = assignVariant(EXPERIMENT, appointmentId(i), weights);
      expect(assignVariant(EXPERIMENT, appointmentId(i), weights)).toBe(first);
    }
    // Pinned: a change of hash or of bit layout would silently reassign running experiments.
    // sha256sum of "<experiment>:<appointment 1>" starts eee9af9782589...; / 2^52 = 0.93325...
    expect(assignmentPoint(EXPERIMENT, appointmentId(1))).toBe(0.9332532639403743);
    expect(
      Array.from({ length: 12 }, (_, i) => assignVariant(EXPERIMENT, appointmentId(i), weights)),
    ).toEqual([1, 2, 1, 2, 1, 1, 2, 0, 2, 0, 1, 2]);
  });

  it('gives another experiment an independent split of the same appointments', () => {
    const other = 'f3f1d7a4-1111-4a2b-8c3d-000000000001';
    let same = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const id = appointmentId(i);
      if (assignVariant(EXPERIMENT, id, [1, 1]) === assignVariant(other, id, [1, 1])) same++;
    }
    // Independent halves agree half the time: 5,000 +- 4 sd (sd = 50).
    expect(Math.abs(same - n / 2)).toBeLessThan(200);
  });

  it('never picks a variant of weight 0', () => {
    for (let i = 0; i < 5_000; i++) {
      expect(assignVariant(EXPERIMENT, appointmentId(i), [1, 0, 2])).not.toBe(1);
    }
  });

  it.each([[[1, 1]], [[1, 1, 1]], [[1, 2, 3, 4]], [[0.9, 0.1]]])(
    'respects weights %j on 100,000 ids (chi-square goodness of fit)',
    (weights) => {
      const n = 100_000;
      const counts = new Array<number>(weights.length).fill(0);
      for (let i = 0; i < n; i++) counts[assignVariant(EXPERIMENT, appointmentId(i), weights)]++;
      const total = weights.reduce((a, b) => a + b, 0);
      const statistic = counts.reduce((sum, observed, k) => {
        const expected = (n * weights[k]) / total;
        return sum + (observed - expected) ** 2 / expected;
      }, 0);
      // Threshold: the chi-square quantile at 0.999 with k - 1 degrees of freedom (16.27 for
      // four variants): a fair hash fails this one time in a thousand, a biased one every time.
      const threshold = jStat().chisquare.inv(0.999, weights.length - 1);
      expect(statistic).toBeLessThan(threshold);
    },
  );
});

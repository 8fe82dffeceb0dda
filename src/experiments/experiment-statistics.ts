/**
 * The statistics of an experiment's results, pure. Every distribution comes from jStat; what is
 * here is only the textbook arithmetic around it, each method named where it is used:
 * - a rate's 95% interval: Wilson's score interval (Wilson 1927; Newcombe 1998a, method 3);
 * - a difference of rates: Newcombe's hybrid score interval (Newcombe 1998b, method 10);
 * - the two-sided p-value: Fisher's exact test when any expected cell is below 5 (tables as
 *   extreme or more: hypergeometric probability no larger than the observed one, with R's
 *   relative tolerance of 1e-7), else Pearson's chi-square without continuity correction
 *   (R's `prop.test(correct = FALSE)`, scipy's `chi2_contingency(correction=False)`);
 * - the sample for 80% power at a two-sided alpha of 0.05: the standard two-proportion formula
 *   (Fleiss, Levin & Paik 2003, eq. 4.14, without continuity correction), per variant.
 */
import { jStat } from './jstat';

export interface Interval {
  low: number;
  high: number;
}

export interface Outcomes {
  /** finished visits that were missed */
  noShows: number;
  /** finished visits the patient came to */
  attended: number;
}

export type TestUsed = 'fisher_exact' | 'chi_square';

export interface Comparison {
  /** this variant's no-show rate minus the first variant's */
  difference: number;
  differenceInterval: Interval;
  pValue: number;
  test: TestUsed;
  /** finished visits per variant for 80% power at this difference; null when it is zero */
  neededPerVariant: number | null;
}

export const ALPHA = 0.05;
export const POWER = 0.8;
const CONFIDENCE = 0.95;
/** R's fisher.test: probabilities within this ratio of the observed one count as "as extreme" */
const FISHER_RELATIVE_TOLERANCE = 1 + 1e-7;

const zQuantile = (p: number): number => jStat().normal.inv(p, 0, 1);

/** Wilson's score interval for `successes` out of `n`; null when n is 0. */
export function wilsonInterval(
  successes: number,
  n: number,
  confidence = CONFIDENCE,
): Interval | null {
  if (n === 0) return null;
  const z = zQuantile(1 - (1 - confidence) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Newcombe's hybrid score interval for p1 - p2, built from the two Wilson intervals. */
export function newcombeInterval(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  confidence = CONFIDENCE,
): Interval | null {
  const w1 = wilsonInterval(x1, n1, confidence);
  const w2 = wilsonInterval(x2, n2, confidence);
  if (!w1 || !w2) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const d = p1 - p2;
  return {
    low: d - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
    high: d + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
  };
}

/** Two-sided Fisher exact p-value of the 2x2 table [[a, b], [c, d]]. */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const row1 = a + b;
  const col1 = a + c;
  const total = a + b + c + d;
  const pdf = (k: number) => jStat().hypgeom.pdf(k, total, col1, row1);
  const observed = pdf(a) * FISHER_RELATIVE_TOLERANCE;
  let p = 0;
  for (let k = Math.max(0, row1 + col1 - total); k <= Math.min(row1, col1); k++) {
    const probability = pdf(k);
    if (probability <= observed) p += probability;
  }
  return Math.min(1, p);
}

/** Pearson's chi-square statistic of a 2x2 table, without continuity correction. */
export function chiSquareStatistic(a: number, b: number, c: number, d: number): number {
  const total = a + b + c + d;
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  return margins === 0 ? 0 : (total * (a * d - b * c) ** 2) / margins;
}

export function chiSquareP(a: number, b: number, c: number, d: number): number {
  return 1 - jStat().chisquare.cdf(chiSquareStatistic(a, b, c, d), 1);
}

/** Fisher when any expected count is below 5 (where the chi-square approximation fails). */
export function twoSidedP(
  a: number,
  b: number,
  c: number,
  d: number,
): { p: number; test: TestUsed } {
  const total = a + b + c + d;
  const rows = [a + b, c + d];
  const cols = [a + c, b + d];
  const smallExpected = rows.some((r) => cols.some((col) => (r * col) / total < 5));
  return smallExpected
    ? { p: fisherExact(a, b, c, d), test: 'fisher_exact' }
    : { p: chiSquareP(a, b, c, d), test: 'chi_square' };
}

/** Finished visits per group to detect p1 against p2 with 80% power, two-sided alpha 0.05. */
export function samplePerGroup(
  p1: number,
  p2: number,
  alpha = ALPHA,
  power = POWER,
): number | null {
  const delta = Math.abs(p1 - p2);
  if (delta === 0) return null;
  const zAlpha = zQuantile(1 - alpha / 2);
  const zBeta = zQuantile(power);
  const mean = (p1 + p2) / 2;
  const root =
    zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((root * root) / (delta * delta));
}

const finished = (o: Outcomes): number => o.noShows + o.attended;

/** A variant against the first one; null while either has no finished visit. */
export function compare(variant: Outcomes, first: Outcomes): Comparison | null {
  const n1 = finished(variant);
  const n2 = finished(first);
  if (n1 === 0 || n2 === 0) return null;
  const { p, test } = twoSidedP(variant.noShows, variant.attended, first.noShows, first.attended);
  const p1 = variant.noShows / n1;
  const p2 = first.noShows / n2;
  return {
    difference: p1 - p2,
    differenceInterval: newcombeInterval(variant.noShows, n1, first.noShows, n2)!,
    pValue: p,
    test,
    neededPerVariant: samplePerGroup(p1, p2),
  };
}

const percent = (rate: number): string => `${(rate * 100).toFixed(1)}%`;

export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** The plain sentence a clinician reads under the table. */
export function verdict(
  key: string,
  variant: Outcomes,
  firstKey: string,
  first: Outcomes,
  comparison: Comparison | null,
): string {
  if (!comparison) return `Not enough visits yet to tell ${key} from ${firstKey}.`;
  const rates = `${percent(variant.noShows / finished(variant))} against ${percent(
    first.noShows / finished(first),
  )}`;
  if (comparison.pValue < ALPHA) {
    const direction = comparison.difference < 0 ? 'fewer' : 'more';
    return (
      `Variant ${key} had ${direction} no-shows than ${firstKey} (${rates}), and the ` +
      `difference is unlikely to be chance (${formatP(comparison.pValue)}).`
    );
  }
  const needed = comparison.neededPerVariant;
  const smaller = Math.min(finished(variant), finished(first));
  if (needed === null) {
    return `Not enough visits yet to tell: ${key} and ${firstKey} have the same no-show rate so far (${rates}).`;
  }
  if (smaller < needed) {
    return (
      `Not enough visits yet to tell: ${key} ${rates} for ${firstKey} ` +
      `(${formatP(comparison.pValue)}); about ${needed - smaller} more finished visits per ` +
      'variant would be needed to detect a difference this size.'
    );
  }
  return (
    `No clear difference between ${key} and ${firstKey} (${rates}, ` +
    `${formatP(comparison.pValue)}).`
  );
}

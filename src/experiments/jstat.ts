/**
 * The few jStat distributions the experiments' statistics use, typed here because jStat ships
 * no declarations. Nothing is re-implemented: every number comes from jStat.
 */
interface JStat {
  normal: { inv(p: number, mean: number, sd: number): number };
  chisquare: { cdf(x: number, dof: number): number; inv(p: number, dof: number): number };
  /** pdf(k, N, m, n): k successes in n draws from N items of which m are successes */
  hypgeom: { pdf(k: number, N: number, m: number, n: number): number };
  binomial: { cdf(k: number, n: number, p: number): number };
}

let loaded: JStat | undefined;

/** jStat, loaded at its first use (an experiment's results), not at every start. */
export function jStat(): JStat {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= (require('jstat') as { jStat: JStat }).jStat);
}

/**
 * Logistic regression by Newton's method (iteratively reweighted least squares), with an
 * optional ridge penalty on the slopes (never on the intercept).
 *
 * Why not ml-logistic-regression (a dev dependency, kept for the spec that shows it): its two-class fit is plain gradient
 * ascent with a fixed step (5e-4) on the summed, not averaged, gradient for a fixed 50,000 steps,
 * with no intercept and no convergence test. On a clinic's year (10^5-10^6 rows) the step
 * overshoots and the fit oscillates, and 50,000 passes over the data take hours; on the
 * textbook mtcars example it stops far from R's glm (see logistic-fit.spec.ts). Newton's method
 * converges in a handful of passes to the maximum-likelihood answer, which is checked against
 * R's `glm(am ~ hp + wt, binomial, mtcars)` to 4 decimals.
 */
export interface LogisticFit {
  intercept: number;
  coefficients: number[];
  iterations: number;
  converged: boolean;
  /** -2 log-likelihood at the fit (penalty excluded) */
  deviance: number;
}

export interface LogisticFitOptions {
  /** ridge penalty on the slopes, as in `sum(loglik) - ridge/2 * |beta|^2`; default 0 */
  ridge?: number;
  maxIterations?: number;
  /** stop when no coefficient moves by more than this */
  tolerance?: number;
  /** starting coefficients (a previous fit), intercept first */
  start?: number[];
}

/**
 * Fits `P(y = 1) = 1 / (1 + exp(-(b0 + x . b)))`. `x` is row-major, `rows` x `columns`;
 * `y` holds 0 or 1 per row.
 */
export function fitLogistic(
  x: Float64Array,
  y: Uint8Array,
  columns: number,
  options: LogisticFitOptions = {},
): LogisticFit {
  const rows = y.length;
  if (x.length !== rows * columns) throw new RangeError('x must hold rows x columns values');
  const k = columns + 1;
  const ridge = options.ridge ?? 0;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  let beta = options.start ? Float64Array.from(options.start) : new Float64Array(k);
  let deviance = devianceOf(x, y, columns, beta);
  let converged = false;
  let iterations = 0;
  const hessian = new Float64Array(k * k);
  const gradient = new Float64Array(k);
  const row = new Float64Array(k);
  while (iterations < maxIterations && !converged) {
    iterations++;
    hessian.fill(0);
    gradient.fill(0);
    row[0] = 1;
    for (let i = 0; i < rows; i++) {
      const base = i * columns;
      let eta = beta[0];
      for (let j = 0; j < columns; j++) {
        row[j + 1] = x[base + j];
        eta += beta[j + 1] * row[j + 1];
      }
      const mu = sigmoid(eta);
      const w = Math.max(mu * (1 - mu), 1e-12);
      const r = y[i] - mu;
      for (let a = 0; a < k; a++) {
        const wa = w * row[a];
        gradient[a] += r * row[a];
        // lower triangle only; mirrored before solving
        const offset = a * k;
        for (let b = 0; b <= a; b++) hessian[offset + b] += wa * row[b];
      }
    }
    for (let a = 1; a < k; a++) {
      gradient[a] -= ridge * beta[a];
      hessian[a * k + a] += ridge;
    }
    const step = solveSymmetric(hessian, gradient, k);
    // Step halving keeps the objective from rising when a full Newton step overshoots.
    let scale = 1;
    let next = beta;
    let nextDeviance = deviance;
    for (let halvings = 0; halvings < 30; halvings++) {
      next = beta.map((b, j) => b + scale * step[j]);
      nextDeviance = devianceOf(x, y, columns, next);
      if (penalised(nextDeviance, next, ridge) <= penalised(deviance, beta, ridge) + 1e-9) break;
      scale /= 2;
    }
    const moved = Math.max(...step.map((s) => Math.abs(s * scale)));
    beta = next;
    deviance = nextDeviance;
    converged = moved < tolerance;
  }
  return {
    intercept: beta[0],
    coefficients: Array.from(beta.subarray(1)),
    iterations,
    converged,
    deviance,
  };
}

export function sigmoid(eta: number): number {
  return eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
}

function penalised(deviance: number, beta: Float64Array, ridge: number): number {
  let sum = 0;
  for (let j = 1; j < beta.length; j++) sum += beta[j] * beta[j];
  return deviance + ridge * sum;
}

function devianceOf(x: Float64Array, y: Uint8Array, columns: number, beta: Float64Array): number {
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    let eta = beta[0];
    const base = i * columns;
    for (let j = 0; j < columns; j++) eta += beta[j + 1] * x[base + j];
    // log(1 + exp(-|eta|)) form: no overflow for large |eta|
    const log1pExp = Math.max(eta, 0) + Math.log1p(Math.exp(-Math.abs(eta)));
    total += log1pExp - y[i] * eta;
  }
  return 2 * total;
}

/** Solves H s = g for a symmetric positive-definite H given by its lower triangle (Cholesky). */
function solveSymmetric(h: Float64Array, g: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = h[i * k + j];
      for (let m = 0; m < j; m++) sum -= l[i * k + m] * l[j * k + m];
      if (i === j) {
        // A column that never varies leaves a zero pivot: a tiny jitter keeps it at its start.
        l[i * k + i] = Math.sqrt(Math.max(sum, 1e-10));
      } else {
        l[i * k + j] = sum / l[j * k + j];
      }
    }
  }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = g[i];
    for (let m = 0; m < i; m++) sum -= l[i * k + m] * z[m];
    z[i] = sum / l[i * k + i];
  }
  const s = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = z[i];
    for (let m = i + 1; m < k; m++) sum -= l[m * k + i] * s[m];
    s[i] = sum / l[i * k + i];
  }
  return s;
}

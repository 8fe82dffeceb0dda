import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { fitLogistic } from './logistic-fit';

// mtcars (R datasets): hp, wt, am for the 32 cars, in R's row order.
const MTCARS: [number, number, number][] = [
  [110, 2.62, 1],
  [110, 2.875, 1],
  [93, 2.32, 1],
  [110, 3.215, 0],
  [175, 3.44, 0],
  [105, 3.46, 0],
  [245, 3.57, 0],
  [62, 3.19, 0],
  [95, 3.15, 0],
  [123, 3.44, 0],
  [123, 3.44, 0],
  [180, 4.07, 0],
  [180, 3.73, 0],
  [180, 3.78, 0],
  [205, 5.25, 0],
  [215, 5.424, 0],
  [230, 5.345, 0],
  [66, 2.2, 1],
  [52, 1.615, 1],
  [65, 1.835, 1],
  [97, 2.465, 0],
  [150, 3.52, 0],
  [150, 3.435, 0],
  [245, 3.84, 0],
  [175, 3.845, 0],
  [66, 1.935, 1],
  [91, 2.14, 1],
  [113, 1.513, 1],
  [264, 3.17, 1],
  [175, 2.77, 1],
  [335, 3.57, 1],
  [109, 2.78, 1],
];

function mtcars(): { x: Float64Array; y: Uint8Array } {
  return {
    x: Float64Array.from(MTCARS.flatMap(([hp, wt]) => [hp, wt])),
    y: Uint8Array.from(MTCARS.map(([, , am]) => am)),
  };
}

describe('fitLogistic', () => {
  it('matches R: glm(am ~ hp + wt, family = binomial, data = mtcars) to 4 decimals', () => {
    const { x, y } = mtcars();
    const fit = fitLogistic(x, y, 2);
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(18.8663, 3);
    expect(fit.coefficients[0]).toBeCloseTo(0.03626, 4);
    expect(fit.coefficients[1]).toBeCloseTo(-8.08348, 4);
    // R: Residual deviance: 10.059 on 29 degrees of freedom
    expect(fit.deviance).toBeCloseTo(10.059, 2);
  });

  it('recovers known coefficients from 20,000 simulated rows, in a few Newton steps', () => {
    let seed = 7;
    // mulberry32
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const n = 20_000;
    const x = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const a = random() * 4 - 2;
      const b = random() < 0.3 ? 1 : 0;
      x[i * 2] = a;
      x[i * 2 + 1] = b;
      const p = 1 / (1 + Math.exp(-(-1.5 + 0.8 * a - 1.2 * b)));
      y[i] = random() < p ? 1 : 0;
    }
    const fit = fitLogistic(x, y, 2);
    expect(fit.iterations).toBeLessThan(10);
    expect(fit.intercept).toBeCloseTo(-1.5, 1);
    expect(fit.coefficients[0]).toBeCloseTo(0.8, 1);
    expect(fit.coefficients[1]).toBeCloseTo(-1.2, 1);
  });

  it('with a ridge penalty, shrinks the slopes and still converges on a constant column', () => {
    const { x, y } = mtcars();
    const withConstant = Float64Array.from(MTCARS.flatMap(([hp, wt]) => [hp / 100, wt, 0]));
    const plain = fitLogistic(x, y, 2);
    const ridged = fitLogistic(withConstant, y, 3, { ridge: 1 });
    expect(ridged.converged).toBe(true);
    expect(Math.abs(ridged.coefficients[1])).toBeLessThan(Math.abs(plain.coefficients[1]));
    expect(ridged.coefficients[2]).toBe(0);
  });

  it('ml-logistic-regression, with its step size, does not reach the maximum-likelihood fit', () => {
    // Why Turnout fits by Newton's method (see logistic-fit.ts): the library's gradient steps
    // stop far from R's answer on the same data (it has no intercept, so one is given as a column).
    const features = new Matrix(MTCARS.map(([hp, wt]) => [1, hp, wt]));
    // Its default is 50,000 steps (about 5 s here); a fifth of them shows the same.
    const model = new LogisticRegression({ numSteps: 10_000, learningRate: 5e-4 });
    model.train(features, Matrix.columnVector(MTCARS.map(([, , am]) => am)));
    // Its one-vs-all classifier for class 1 models P(am = 0): R's fit negated is
    // [-18.87, -0.036, 8.08]; the library stops near [-10.5, 0.58, 18.1] after 10,000 steps
    // and [-56.6, 0.165, 41.0] after its default 50,000: the hp slope of the wrong sign.
    const weights = model.classifiers[1].weights.to1DArray();
    expect(Math.abs(weights[0] + 18.8663)).toBeGreaterThan(5);
    expect(Math.sign(weights[1])).not.toBe(Math.sign(-0.03626));
  });
});

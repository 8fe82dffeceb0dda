// The library ships no types; only logistic-fit.spec.ts uses it, to show why Turnout does not.
declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    classifiers: { weights: Matrix }[];
    train(x: Matrix, y: Matrix): void;
  }
}

import { describe, expect, it } from 'vitest';
import { betaMixtureLogLikelihoodRatio } from './beta-mixture.js';
import { logBeta } from './log-gamma.js';

/** Midpoint-rule integral of `f` over `[from, to]`. */
function integrate(f: (p: number) => number, from: number, to: number, steps = 200_000): number {
  const h = (to - from) / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += f(from + (i + 0.5) * h);
  return sum * h;
}

/** The mixture ratio computed the long way, by integrating the prior numerically. */
function numericRatio(
  s: number,
  f: number,
  p0: number,
  a: number,
  b: number,
  from: number,
  to: number,
): number {
  const density = (p: number): number =>
    Math.exp((a - 1) * Math.log(p) + (b - 1) * Math.log1p(-p) - logBeta(a, b));
  const likelihoodRatio = (p: number): number =>
    Math.exp(s * Math.log(p / p0) + f * Math.log((1 - p) / (1 - p0)));
  const mass = integrate(density, from, to);
  return integrate((p) => likelihoodRatio(p) * density(p), from, to) / mass;
}

describe('Robbins beta mixture', () => {
  // savvi's "Inhomogeneous Poisson Process" example (assuncaolfi/savvi,
  // examples/InhomogeneousPoissonProcess.qmd, the canary test of Lindon & Malek 2022): two
  // Poisson processes with assignment probabilities rho = [0.8, 0.2], Dirichlet prior
  // k·rho with k = 100, alpha = 0.05. The example stops at the first p <= alpha: n = 210,
  // p = 0.045579631759249686, estimate of delta_1 - delta_0 = 0.5162, confidence sequence
  // lower bound 0.00464625. The estimate pins the counts: log((62/210)/0.2) -
  // log((148/210)/0.8) = 0.5162, so 62 of the 210 points came from the canary process.
  // The p-value is 1 / (Dirichlet-multinomial Bayes factor), our two-sided beta mixture
  // with a = 100·0.2, b = 100·0.8.
  const canary = 62;
  const stable = 148;
  const prior = { a: 20, b: 80 };

  it("reproduces savvi's published p-value of 0.0456 after 210 events", () => {
    expect(Math.log((canary / 210 / 0.2) * (0.8 / (stable / 210)))).toBeCloseTo(0.5162, 4);
    const logRatio = betaMixtureLogLikelihoodRatio(canary, stable, 0.2, prior, 'two-sided');
    expect(Math.exp(-logRatio)).toBeCloseTo(0.045579631759249686, 12);
  });

  it("reproduces savvi's confidence-sequence lower bound 0.00464625 on the log rate ratio", () => {
    // {delta : M(theta(delta)) < 1/alpha}, theta(delta) = 0.2 e^delta / (0.8 + 0.2 e^delta).
    const share = (delta: number): number =>
      (0.2 * Math.exp(delta)) / (0.8 + 0.2 * Math.exp(delta));
    const excess = (delta: number): number =>
      betaMixtureLogLikelihoodRatio(canary, stable, share(delta), prior, 'two-sided') -
      Math.log(20);
    let low = -1;
    let high = 0.5162; // the estimate: inside the set
    expect(excess(low)).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) {
      const mid = (low + high) / 2;
      if (excess(mid) > 0) low = mid;
      else high = mid;
    }
    // savvi solves the same constraint with a convex solver (cvxpy), to about 1e-6.
    expect(high).toBeCloseTo(0.00464625, 5);
  });

  it('matches a hand computation: 3 successes in 4 trials, uniform prior, p0 = 1/2', () => {
    // ∫ p^3 (1-p) dp = B(4, 2) = 1/20; divided by (1/2)^4 gives 16/20.
    const logRatio = betaMixtureLogLikelihoodRatio(3, 1, 0.5, { a: 1, b: 1 }, 'two-sided');
    expect(Math.exp(logRatio)).toBeCloseTo(0.8, 14);
    // Above 1/2: ∫_{1/2}^1 p^3 (1-p) dp = 1/20 - (1/64 - 1/160) = 13/320, prior mass 1/2;
    // below: 1/64 - 1/160 = 3/320.
    const above = betaMixtureLogLikelihoodRatio(3, 1, 0.5, { a: 1, b: 1 }, 'above');
    expect(Math.exp(above)).toBeCloseTo((13 / 320 / 0.5) * 16, 12);
    const below = betaMixtureLogLikelihoodRatio(3, 1, 0.5, { a: 1, b: 1 }, 'below');
    expect(Math.exp(below)).toBeCloseTo((3 / 320 / 0.5) * 16, 12);
  });

  it('equals one (log 0) before any trial, whatever the side', () => {
    for (const side of ['two-sided', 'above', 'below'] as const) {
      expect(betaMixtureLogLikelihoodRatio(0, 0, 0.01, { a: 1, b: 99 }, side)).toBeCloseTo(0, 12);
    }
  });

  it('matches numeric integration of the truncated prior', () => {
    const cases = [
      { s: 12, f: 488, p0: 0.01, a: 1, b: 99 },
      { s: 2, f: 998, p0: 0.01, a: 1, b: 99 },
      { s: 40, f: 160, p0: 0.3, a: 2, b: 3 },
    ];
    for (const { s, f, p0, a, b } of cases) {
      const above = betaMixtureLogLikelihoodRatio(s, f, p0, { a, b }, 'above');
      const below = betaMixtureLogLikelihoodRatio(s, f, p0, { a, b }, 'below');
      expect(above).toBeCloseTo(Math.log(numericRatio(s, f, p0, a, b, p0, 1)), 4);
      expect(below).toBeCloseTo(Math.log(numericRatio(s, f, p0, a, b, 0, p0)), 4);
    }
  });

  it('stays finite and accurate far in the tails', () => {
    // 5,000 failures in 100,000 trials against p0 = 1%. The posterior lies wholly above p0,
    // so the one-sided ratio is the two-sided one divided by the prior's mass above p0,
    // (1 - 0.01)^99 for Beta(1, 99); both sit a few nats below the maximum likelihood ratio
    // 5000 ln(5) + 95000 ln(0.95/0.99) = 4129.1.
    const prior = { a: 1, b: 99 };
    const twoSided = betaMixtureLogLikelihoodRatio(5000, 95000, 0.01, prior, 'two-sided');
    const above = betaMixtureLogLikelihoodRatio(5000, 95000, 0.01, prior, 'above');
    const below = betaMixtureLogLikelihoodRatio(5000, 95000, 0.01, prior, 'below');
    const maximum = 5000 * Math.log(5) + 95000 * Math.log(0.95 / 0.99);
    expect(above).toBeCloseTo(twoSided - 99 * Math.log(0.99), 8);
    expect(above).toBeLessThan(maximum);
    expect(above).toBeGreaterThan(maximum - 20);
    // Below p0 the likelihood ratio is 1 at p0 and falls like exp(-slope·(p0 - p)), slope =
    // S/p0 - F/(1-p0): the mixture is about density(p0) / slope / mass below p0 (Laplace).
    const slope = 5000 / 0.01 - 95000 / 0.99;
    const density = 99 * 0.99 ** 98;
    expect(below).toBeCloseTo(Math.log(density / slope / (1 - 0.99 ** 99)), 2);
  });

  it('refuses arguments out of range', () => {
    expect(() => betaMixtureLogLikelihoodRatio(1, 1, 0, { a: 1, b: 1 }, 'above')).toThrow(
      RangeError,
    );
    expect(() => betaMixtureLogLikelihoodRatio(-1, 1, 0.5, { a: 1, b: 1 }, 'above')).toThrow(
      /counts/,
    );
    expect(() => betaMixtureLogLikelihoodRatio(1, 1, 0.5, { a: 0, b: 1 }, 'above')).toThrow(
      /prior/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { logRegularizedIncompleteBeta, log1mExp } from './incomplete-beta.js';

/** P(Binomial(n, p) <= k) by direct summation in log space. */
function binomialCdf(k: number, n: number, p: number): number {
  let logTerm = n * Math.log1p(-p); // P(X = 0)
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i) + Math.log(p / (1 - p));
    sum += Math.exp(logTerm);
  }
  return sum;
}

describe('regularized incomplete beta', () => {
  it('matches closed forms', () => {
    // I_x(1, b) = 1 - (1 - x)^b and I_x(a, 1) = x^a.
    const one = logRegularizedIncompleteBeta(0.2, 1, 5);
    expect(Math.exp(one.logLower)).toBeCloseTo(1 - 0.8 ** 5, 14);
    expect(Math.exp(one.logUpper)).toBeCloseTo(0.8 ** 5, 14);
    expect(Math.exp(logRegularizedIncompleteBeta(0.7, 3, 1).logLower)).toBeCloseTo(0.343, 14);
    // Symmetry: I_{1/2}(a, a) = 1/2.
    expect(Math.exp(logRegularizedIncompleteBeta(0.5, 37.5, 37.5).logLower)).toBeCloseTo(0.5, 13);
  });

  it('matches the binomial distribution: P(X <= k) = I_{1-p}(n - k, k + 1)', () => {
    for (const [k, n, p] of [
      [3, 20, 0.1],
      [0, 50, 0.02],
      [45, 100, 0.5],
      [900, 1000, 0.95],
    ] as const) {
      const { logLower } = logRegularizedIncompleteBeta(1 - p, n - k, k + 1);
      expect(Math.exp(logLower) / binomialCdf(k, n, p)).toBeCloseTo(1, 10);
    }
  });

  it('keeps full relative precision in far tails', () => {
    // P(Binomial(10000, 0.01) <= 10): about 1e-30, far below double's 1 - epsilon.
    const { logLower } = logRegularizedIncompleteBeta(0.99, 9990, 11);
    const exact = Math.log(binomialCdf(10, 10000, 0.01));
    expect(logLower).toBeLessThan(-60);
    expect(logLower - exact).toBeCloseTo(0, 9);
    // And the other tail of the same split, from the other side of the fraction.
    const { logUpper } = logRegularizedIncompleteBeta(0.01, 11, 9990);
    expect(logUpper - exact).toBeCloseTo(0, 9);
  });

  it('handles the ends of [0, 1] and refuses arguments out of range', () => {
    expect(logRegularizedIncompleteBeta(0, 2, 3)).toEqual({ logLower: -Infinity, logUpper: 0 });
    expect(logRegularizedIncompleteBeta(1, 2, 3)).toEqual({ logLower: 0, logUpper: -Infinity });
    expect(() => logRegularizedIncompleteBeta(1.5, 2, 3)).toThrow(RangeError);
    expect(() => logRegularizedIncompleteBeta(0.5, 0, 3)).toThrow(RangeError);
  });

  it('log1mExp is accurate on both sides of ln 2', () => {
    expect(log1mExp(-1e-20)).toBeCloseTo(Math.log(1e-20), 10);
    expect(log1mExp(-50)).toBeCloseTo(-Math.exp(-50), 30);
    expect(log1mExp(0)).toBe(-Infinity);
  });
});

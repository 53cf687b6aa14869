import { describe, expect, it } from 'vitest';
import { logBeta, logGamma } from './log-gamma.js';

describe('logGamma', () => {
  it('matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(2)).toBeCloseTo(0, 14);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    let logFactorial = 0;
    for (let n = 2; n < 171; n++) logFactorial += Math.log(n);
    // ln(170!) = ln Γ(171) = 706.5730622457874 (Abramowitz & Stegun; also the sum above).
    expect(logGamma(171)).toBeCloseTo(logFactorial, 9);
    expect(logGamma(171)).toBeCloseTo(706.5730622457874, 9);
  });

  it('is accurate for small and huge arguments', () => {
    // Γ(x) ~ 1/x - γ as x -> 0 (γ = Euler-Mascheroni).
    expect(logGamma(1e-8)).toBeCloseTo(-Math.log(1e-8) - 0.5772156649e-8, 12);
    // Stirling with two correction terms, exact to ~1e-18 at this size.
    const x = 1e7;
    const stirling = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x);
    expect(Math.abs(logGamma(x) - stirling) / stirling).toBeLessThan(1e-14);
  });

  it('gives ln B(a, b) with B(2, 3) = 1/12', () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
  });

  it('refuses non-positive arguments', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logGamma(Number.NaN)).toThrow(RangeError);
  });
});

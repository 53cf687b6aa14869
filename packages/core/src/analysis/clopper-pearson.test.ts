import { describe, expect, it } from 'vitest';
import { clopperPearsonUpper } from './clopper-pearson.js';

describe('Clopper-Pearson upper bound', () => {
  it('has the closed form 1 - (1 - confidence)^(1/n) for zero events', () => {
    expect(clopperPearsonUpper(0, 2000)).toBeCloseTo(1 - 0.05 ** (1 / 2000), 12);
    // The "rule of three": about 3/n.
    expect(clopperPearsonUpper(0, 1000) * 1000).toBeCloseTo(2.99, 2);
  });

  it('is the rate at which k or fewer events have probability 5 % (its definition)', () => {
    const binomialCdf = (k: number, n: number, p: number): number => {
      let term = (1 - p) ** n;
      let sum = term;
      for (let i = 1; i <= k; i++) {
        term *= ((n - i + 1) / i) * (p / (1 - p));
        sum += term;
      }
      return sum;
    };
    for (const [k, n] of [
      [1, 10],
      [5, 50],
      [20, 2000],
    ] as const) {
      expect(binomialCdf(k, n, clopperPearsonUpper(k, n))).toBeCloseTo(0.05, 10);
    }
    // 1 of 10: 0.39416; 5 of 50: 0.19883 (by the same definition, computed independently).
    expect(clopperPearsonUpper(1, 10)).toBeCloseTo(0.39416, 5);
    expect(clopperPearsonUpper(5, 50)).toBeCloseTo(0.19883, 5);
    expect(clopperPearsonUpper(10, 10)).toBe(1);
  });

  it('refuses impossible counts', () => {
    expect(() => clopperPearsonUpper(3, 2)).toThrow(RangeError);
    expect(() => clopperPearsonUpper(1.5, 10)).toThrow(RangeError);
  });
});

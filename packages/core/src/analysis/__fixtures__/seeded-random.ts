/**
 * A small seeded generator for the statistical tests: sfc32 (Doty-Humphrey's "small fast
 * counting" generator, the one PractRand recommends among 32-bit ones), with the Poisson and
 * binomial draws the simulated streams need. Seeded, so a failing run can be replayed.
 */

/** Uniform draws in [0, 1) and the discrete draws built on them. */
export interface SeededRandom {
  /** A uniform draw in [0, 1). */
  uniform(): number;
  /** A Poisson draw (inversion; fine for the small means of these tests). */
  poisson(mean: number): number;
  /** A binomial draw (inversion from the lower tail). */
  binomial(trials: number, probability: number): number;
}

/** A generator from a 32-bit seed. */
export function seededRandom(seed: number): SeededRandom {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed | 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  const poisson = (mean: number): number => {
    if (mean <= 0) return 0;
    if (mean > 500) throw new RangeError(`poisson fixture is for small means, got ${mean}`);
    let k = 0;
    let p = Math.exp(-mean);
    let cumulative = p;
    const u = next();
    while (u > cumulative && p > 0) {
      k++;
      p *= mean / k;
      cumulative += p;
    }
    return k;
  };
  const binomial = (trials: number, probability: number): number => {
    if (trials <= 0 || probability <= 0) return 0;
    if (probability >= 1) return trials;
    const u = next();
    const odds = probability / (1 - probability);
    let p = Math.exp(trials * Math.log1p(-probability));
    let cumulative = p;
    let k = 0;
    while (u > cumulative && k < trials) {
      p *= ((trials - k) / (k + 1)) * odds;
      k++;
      cumulative += p;
    }
    return k;
  };
  return { uniform: next, poisson, binomial };
}

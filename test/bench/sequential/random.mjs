/**
 * Seeded random draws for the statistical benchmark, so every figure it prints reproduces:
 * sfc32 (Doty-Humphrey's small fast counting generator) for uniforms, and exact Poisson
 * draws: multiplication of uniforms for small means, Hörmann's PTRS (transformed rejection
 * with squeeze, 1993; the method numpy uses) from a mean of 10.
 */
import { logGamma } from '@switchyard/core/internal-testing';

/** A generator seeded with a 32-bit integer. */
export function seededRandom(seed) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed | 0;
  const uniform = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) uniform();
  return { uniform, poisson: (mean) => poisson(uniform, mean) };
}

function poisson(uniform, mean) {
  if (mean <= 0) return 0;
  if (mean < 10) {
    const limit = Math.exp(-mean);
    let k = 0;
    let product = uniform();
    while (product > limit) {
      k++;
      product *= uniform();
    }
    return k;
  }
  const slam = Math.sqrt(mean);
  const loglam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = uniform() - 0.5;
    const v = uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (
      Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
      -mean + k * loglam - logGamma(k + 1)
    )
      return k;
  }
}

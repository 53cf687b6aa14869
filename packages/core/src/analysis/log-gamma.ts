/**
 * The logarithms of the gamma and beta functions, for the beta-binomial mixtures of the
 * sequential checks. Lanczos' approximation with Godfrey's coefficients (g = 7, 9 terms;
 * Press et al., Numerical Recipes, 3rd ed., §6.1): about 15 significant digits for every
 * positive argument, which keeps a log-likelihood ratio over millions of requests exact to
 * well under 1e-6.
 */

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
] as const;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * `ln Γ(x)` for `x > 0`.
 *
 * @throws RangeError when `x` is not a positive finite number.
 */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  // Γ(x) = Γ(x + 1) / x keeps the series in its accurate range for small arguments.
  if (x < 0.5) return logGamma(x + 1) - Math.log(x);
  const z = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) {
    sum += (LANCZOS_COEFFICIENTS[i] as number) / (z + i);
  }
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** `ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b)` for `a, b > 0`. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

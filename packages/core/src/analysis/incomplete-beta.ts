/**
 * The regularized incomplete beta function `I_x(a, b)` in log form, accurate in both tails:
 * the truncated beta mixtures of the absolute checks need `ln I_q(a, b)` and
 * `ln(1 - I_q(a, b))` when either is astronomically small (a failure rate far below or far
 * above the objective), and Clopper-Pearson bounds invert it.
 *
 * Method: the continued fraction of Press et al., Numerical Recipes, 3rd ed., §6.4 (modified
 * Lentz), evaluated on the side where it converges quickly (`x < (a + 1) / (a + b + 2)`),
 * with `I_x(a, b) = 1 - I_{1-x}(b, a)` for the other side. The side computed directly keeps
 * its full relative precision however small it is; its complement is taken with `log1p`.
 */
import { logBeta } from './log-gamma.js';

/** Both tails of `I_x(a, b)`, as natural logarithms. */
export interface LogIncompleteBeta {
  /** `ln I_x(a, b)`: the Beta(a, b) probability of `[0, x]`. */
  readonly logLower: number;
  /** `ln(1 - I_x(a, b))`: the Beta(a, b) probability of `(x, 1]`. */
  readonly logUpper: number;
}

const TINY = 1e-300;
const EPSILON = 1e-15;

/**
 * `ln I_x(a, b)` and `ln(1 - I_x(a, b))` for `0 <= x <= 1`, `a, b > 0`.
 *
 * @throws RangeError on arguments out of range, or (never seen in practice) when the
 *   continued fraction does not converge.
 */
export function logRegularizedIncompleteBeta(x: number, a: number, b: number): LogIncompleteBeta {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 <= x <= 1, got ${x}`);
  if (!(a > 0 && b > 0) || !Number.isFinite(a) || !Number.isFinite(b))
    throw new RangeError(`incomplete beta needs a, b > 0, got a=${a} b=${b}`);
  if (x === 0) return { logLower: -Infinity, logUpper: 0 };
  if (x === 1) return { logLower: 0, logUpper: -Infinity };
  if (x < (a + 1) / (a + b + 2)) {
    const logLower = logDirect(x, a, b);
    return { logLower, logUpper: log1mExp(logLower) };
  }
  const logUpper = logDirect(1 - x, b, a);
  return { logLower: log1mExp(logUpper), logUpper };
}

/** `ln I_x(a, b)` by the continued fraction, for `x` on its fast side. */
function logDirect(x: number, a: number, b: number): number {
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b) - Math.log(a);
  return logFront + Math.log(continuedFraction(x, a, b));
}

/** The continued fraction of `I_x(a, b)` (Numerical Recipes `betacf`). */
function continuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  // Converges in O(sqrt(max(a, b))) steps on this side; the bound only stops a runaway.
  const maxIterations = 1000 + Math.ceil(20 * Math.sqrt(Math.max(a, b)));
  for (let m = 1; m <= maxIterations; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPSILON) return h;
  }
  throw new RangeError(`incomplete beta did not converge for x=${x} a=${a} b=${b}`);
}

/** `ln(1 - e^v)` for `v <= 0`, accurate near both ends. */
export function log1mExp(v: number): number {
  if (v >= 0) return -Infinity;
  return v > -Math.LN2 ? Math.log(-Math.expm1(v)) : Math.log1p(-Math.exp(v));
}

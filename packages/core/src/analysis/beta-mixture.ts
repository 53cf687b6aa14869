/**
 * Robbins' beta mixture: the likelihood ratio of Bernoulli trials against a fixed success
 * probability `p0`, averaged over a Beta prior on the alternative.
 *
 *   M_n(p0) = ∫ p^S (1 - p)^F π(dp) / (p0^S (1 - p0)^F)
 *
 * after `S` successes and `F` failures. With `π` = Beta(a, b) this is
 * `B(a + S, b + F) / B(a, b) / (p0^S (1 - p0)^F)` (Robbins 1970, "Statistical methods related
 * to the law of the iterated logarithm"; the binary case of Lindon & Malek 2022, "Anytime-
 * valid inference for multinomial count data", NeurIPS, whose Dirichlet-multinomial test is
 * exactly this for two categories with `a = k·p0`, `b = k·(1 - p0)`).
 *
 * One-sided versions restrict the prior to `(p0, 1]` (`above`) or `[0, p0)` (`below`) and
 * renormalise it, which multiplies the ratio by `P_post(side) / P_prior(side)`: the tails of
 * the Beta(a + S, b + F) posterior and of the prior, from the incomplete beta function.
 *
 * Validity: for every fixed `p`, `(p / p0)^S ((1 - p) / (1 - p0))^F` is a nonnegative
 * martingale with mean 1 when the trials are independent with probability `p0`, so the
 * mixture is one too, and Ville's inequality gives `P(∃n: M_n >= 1/α) <= α`. For the
 * one-sided `above` mixture every component has `p > p0`, so each factor has mean at most 1
 * as long as every trial's own probability is at most `p0`, even if it changes from trial
 * to trial: the test then holds against the composite null "never above `p0`" (and
 * symmetrically for `below`).
 */
import { logRegularizedIncompleteBeta } from './incomplete-beta.js';
import { logBeta } from './log-gamma.js';

/** A Beta(a, b) prior on a probability. */
export interface BetaPrior {
  /** First shape parameter (> 0); the prior mean is `a / (a + b)`. */
  readonly a: number;
  /** Second shape parameter (> 0). */
  readonly b: number;
}

/**
 * Where the prior's mass lies: everywhere (`two-sided`), only above `p0` (`above`, a test of
 * "p <= p0"), or only below it (`below`, a test of "p >= p0").
 */
export type MixtureSide = 'two-sided' | 'above' | 'below';

/**
 * The natural log of Robbins' beta-mixture likelihood ratio `M_n(p0)` after `successes` and
 * `failures` (non-negative counts; they need not be integers).
 *
 * @throws RangeError when `p0` is not strictly between 0 and 1, a count is negative or not
 *   finite, or the prior's parameters are not positive.
 */
export function betaMixtureLogLikelihoodRatio(
  successes: number,
  failures: number,
  p0: number,
  prior: BetaPrior,
  side: MixtureSide,
): number {
  if (!(p0 > 0 && p0 < 1)) throw new RangeError(`p0 must be strictly between 0 and 1, got ${p0}`);
  if (!(successes >= 0) || !(failures >= 0) || !Number.isFinite(successes + failures))
    throw new RangeError(`counts must be finite and >= 0, got ${successes} and ${failures}`);
  if (!(prior.a > 0 && prior.b > 0))
    throw new RangeError(`prior parameters must be > 0, got a=${prior.a} b=${prior.b}`);
  const a = prior.a + successes;
  const b = prior.b + failures;
  const twoSided =
    logBeta(a, b) -
    logBeta(prior.a, prior.b) -
    successes * Math.log(p0) -
    failures * Math.log1p(-p0);
  if (side === 'two-sided') return twoSided;
  const posterior = logRegularizedIncompleteBeta(p0, a, b);
  const priorTails = logRegularizedIncompleteBeta(p0, prior.a, prior.b);
  return side === 'above'
    ? twoSided + posterior.logUpper - priorTails.logUpper
    : twoSided + posterior.logLower - priorTails.logLower;
}

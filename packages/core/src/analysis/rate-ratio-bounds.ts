/**
 * Anytime-valid confidence bounds on the canary/stable rate ratio, read off the same tests
 * the verdict uses, run at every ratio of the bound lattice (`rate-ratio-grid.ts`):
 *
 * - lower bound (level 1 - alpha): the largest lattice ratio `L` such that the rollback test
 *   against every lattice ratio up to `L` has crossed 1/alpha. If the true ratio `r` is at
 *   most the smallest lattice ratio `r'` at or above it, `L > r` needs the test against `r'`
 *   (whose null holds) to cross, which Ville's inequality bounds by alpha at all times;
 * - upper bound (level 1 - beta): the smallest lattice ratio `U` such that the promotion test
 *   against every lattice ratio from `U` up has crossed 1/beta; valid the same way.
 *
 * Bounds are to the nearest lattice step (9 %); `undefined` means unbounded on that side
 * (not enough evidence yet). Alternatives beyond the lattice's ends are left out of the
 * mixture with their weight, which only makes these tests more cautious.
 */
import { logSumExp } from './log-sum-exp.js';
import {
  LATTICE_SIZE,
  LATTICE_STEPS_PER_ALTERNATIVE,
  PROMOTION_ALTERNATIVES,
  ROLLBACK_ALTERNATIVES,
  latticeRatio,
} from './rate-ratio-grid.js';

/** Confidence bounds on the ratio canary rate / stable rate. */
export interface RateRatioBounds {
  /** The ratio is above this with confidence 1 - alpha; undefined: no lower bound yet. */
  readonly lower: number | undefined;
  /** The ratio is below this with confidence 1 - beta; undefined: no upper bound yet. */
  readonly upper: number | undefined;
}

/**
 * The bounds, from the log-likelihoods at the lattice ratios (the first {@link LATTICE_SIZE}
 * entries of the test's state).
 */
export function rateRatioBounds(
  logLikelihood: readonly number[],
  alpha: number,
  beta: number,
): RateRatioBounds {
  const at = (i: number): number => logLikelihood[i] as number;
  const rollbackThreshold = Math.log(1 / alpha) + Math.log(ROLLBACK_ALTERNATIVES);
  const promotionThreshold = Math.log(1 / beta) + Math.log(PROMOTION_ALTERNATIVES);
  let lower: number | undefined;
  for (let i = 0; i < LATTICE_SIZE; i++) {
    const alternatives: number[] = [];
    for (let j = 1; j <= ROLLBACK_ALTERNATIVES; j++) {
      const k = i + j * LATTICE_STEPS_PER_ALTERNATIVE;
      if (k < LATTICE_SIZE) alternatives.push(at(k));
    }
    // ln(Σ_j (1/16) e^{ℓ_k - ℓ_i}) >= ln(1/alpha), with the 1/16 moved to the threshold.
    if (logSumExp(alternatives) - at(i) < rollbackThreshold) break;
    lower = latticeRatio(i);
  }
  let upper: number | undefined;
  for (let i = LATTICE_SIZE - 1; i >= 0; i--) {
    const alternatives: number[] = [];
    for (let j = 1; j <= PROMOTION_ALTERNATIVES; j++) {
      const k = i - j * LATTICE_STEPS_PER_ALTERNATIVE;
      if (k >= 0) alternatives.push(at(k));
    }
    if (logSumExp(alternatives) - at(i) < promotionThreshold) break;
    upper = latticeRatio(i);
  }
  return { lower, upper };
}

/**
 * The ratios at which the rate-ratio test keeps its log-likelihood, and the mixtures over
 * them. Every ratio is fixed by the settings before the first count arrives, so the mixture
 * weights never depend on the data (a requirement of the test martingale).
 *
 * - Rollback alternatives: `r0 · 2^(j/2)`, `j = 1..16` (from 1.41 to 256 times the tolerated
 *   ratio `r0`), each with weight 1/16.
 * - Promotion alternatives: `r1 · 2^(-j/2)`, `j = 1..10` (from 1/1.41 down to 1/32 of the
 *   margin `r1`), each with weight 1/10.
 * - The bound lattice: `2^(k/8)`, `k = -48..64` (1/64 to 256 in steps of 9 %), where the
 *   same two tests are run at every lattice ratio to report confidence bounds.
 *
 * Half-octave spacing keeps every true ratio within a quarter octave of an alternative, so
 * the mixture loses little against the best single alternative, while the grid costs only
 * ln 16 = 2.8 nats (rollback) and ln 10 = 2.3 nats (promotion) of evidence.
 */

/** Rollback alternatives: `r0 · 2^(j/2)` for `j = 1..ROLLBACK_ALTERNATIVES`. */
export const ROLLBACK_ALTERNATIVES = 16;
/** Promotion alternatives: `r1 · 2^(-j/2)` for `j = 1..PROMOTION_ALTERNATIVES`. */
export const PROMOTION_ALTERNATIVES = 10;
/** Lattice steps per octave (factor 2) of the bound lattice. */
export const LATTICE_STEPS_PER_OCTAVE = 8;
/** Lowest lattice exponent: `2^(-48/8)` = 1/64. */
export const LATTICE_MIN_STEP = -48;
/** Highest lattice exponent: `2^(64/8)` = 256. */
export const LATTICE_MAX_STEP = 64;
/** Lattice steps between two neighbouring alternatives (half an octave). */
export const LATTICE_STEPS_PER_ALTERNATIVE = LATTICE_STEPS_PER_OCTAVE / 2;

/** Where each group of ratios sits in the point list. */
export interface RatioPoints {
  /** Every ratio, in this order: lattice, `r0`, rollback alternatives, `r1`, promotion alternatives. */
  readonly ratios: readonly number[];
  /** `ln r` for each ratio. */
  readonly logRatios: readonly number[];
  /** Index of `r0` (the tolerated ratio). */
  readonly tolerance: number;
  /** Index of the first rollback alternative. */
  readonly rollbackFirst: number;
  /** Index of `r1` (the margin). */
  readonly margin: number;
  /** Index of the first promotion alternative. */
  readonly promotionFirst: number;
}

/** Number of lattice points (index 0 is `2^(LATTICE_MIN_STEP/8)`). */
export const LATTICE_SIZE = LATTICE_MAX_STEP - LATTICE_MIN_STEP + 1;

/** The lattice ratio at lattice index `i`. */
export function latticeRatio(i: number): number {
  return 2 ** ((i + LATTICE_MIN_STEP) / LATTICE_STEPS_PER_OCTAVE);
}

const cache = new Map<string, RatioPoints>();

/** The points for a tolerated ratio `r0` and a margin `r1` (cached per pair). */
export function ratioPoints(tolerance: number, margin: number): RatioPoints {
  const key = `${tolerance}/${margin}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const ratios: number[] = [];
  for (let i = 0; i < LATTICE_SIZE; i++) ratios.push(latticeRatio(i));
  const toleranceIndex = ratios.push(tolerance) - 1;
  for (let j = 1; j <= ROLLBACK_ALTERNATIVES; j++) ratios.push(tolerance * 2 ** (j / 2));
  const marginIndex = ratios.push(margin) - 1;
  for (let j = 1; j <= PROMOTION_ALTERNATIVES; j++) ratios.push(margin * 2 ** (-j / 2));
  const points: RatioPoints = {
    ratios,
    logRatios: ratios.map(Math.log),
    tolerance: toleranceIndex,
    rollbackFirst: toleranceIndex + 1,
    margin: marginIndex,
    promotionFirst: marginIndex + 1,
  };
  if (cache.size > 64) cache.clear();
  cache.set(key, points);
  return points;
}

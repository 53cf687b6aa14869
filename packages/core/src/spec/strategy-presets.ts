/**
 * The strategy presets as step lists. Each weight step is followed by a bake so checks
 * see every traffic level; the final bake at 100 % is the post-switch verification while
 * the old slot is still warm.
 */
import type { ReleaseStep } from '../release/state-record.js';

/** Candidate weights of the canary preset. */
export const CANARY_WEIGHTS: readonly number[] = Object.freeze([10, 25, 50, 100]);

/** Steps of the `canary` preset: weight 10, bake, 25, bake, 50, bake, 100, bake. */
export function canarySteps(bakeMs: number): ReleaseStep[] {
  return CANARY_WEIGHTS.flatMap((weight) => [{ weight }, { bakeMs }]);
}

/**
 * Steps of the `bluegreen` preset: when `mirrorPercent` > 0 a mirror step and a bake
 * (the candidate sees shadow traffic while checks run), then the switch to 100 and a bake.
 */
export function blueGreenSteps(bakeMs: number, mirrorPercent: number): ReleaseStep[] {
  const mirror: ReleaseStep[] = mirrorPercent > 0 ? [{ mirror: mirrorPercent }, { bakeMs }] : [];
  return [...mirror, { weight: 100 }, { bakeMs }];
}

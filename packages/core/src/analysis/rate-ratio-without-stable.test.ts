/**
 * The rate-ratio test at a step where the stable slot gets no traffic (a canary's last step
 * at 100 %): such strata carry no evidence, the stratum straddling the weight change still
 * does, and the promotion verdict is judged on the evidence carried into the step, never on
 * more than the statistic itself reached. Counts are fed directly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rateRatioEvidence, rateRatioVerdict } from './rate-ratio-evidence.js';
import {
  DEFAULT_RATE_RATIO_SETTINGS,
  judgeWithoutStableTraffic,
  promotionLogRatio,
  rollbackLogRatio,
  startRateRatioTest,
  updateRateRatioTest,
  type RateRatioState,
} from './rate-ratio-test.js';
import type { ComparisonCounts } from './slot-counts.js';

const counts = (
  canaryRequests: number,
  canaryEvents: number,
  stableRequests: number,
  stableEvents: number,
): ComparisonCounts => ({
  canary: { requests: canaryRequests, events: canaryEvents },
  stable: { requests: stableRequests, events: stableEvents },
});

const PROMOTE = Math.log(1 / DEFAULT_RATE_RATIO_SETTINGS.beta);

/**
 * Identical slots at 50 % (100 rps, 2 % failures, 2 s intervals), evaluated until the
 * promotion statistic first reaches 1/beta: where a bake promoted early ends.
 */
function promotedAtHalf(): RateRatioState {
  let state = startRateRatioTest(DEFAULT_RATE_RATIO_SETTINGS);
  while (promotionLogRatio(state) < PROMOTE)
    state = updateRateRatioTest(state, [counts(100, 2, 100, 2)]);
  return state;
}

/**
 * The stratum released by the first read at 100 % in the failing scenario run: the stable
 * slot's last 39 requests (none failed) beside the canary's 276 (7 failed), a share of 0.88.
 */
const STRADDLE = counts(276, 7, 39, 0);
/** An interval at 100 %: the stable pods still report, with nothing new. */
const ALL_CANARY = counts(200, 4, 0, 0);

describe('rate-ratio test at a step without stable traffic', () => {
  it('a stratum in which the stable slot served nothing leaves every log-likelihood as it was', () => {
    const before = promotedAtHalf();
    const after = updateRateRatioTest(before, [ALL_CANARY, counts(5_000, 5_000, 0, 0)]);
    after.logLikelihood.forEach((value, i) => {
      expect(value).toBeCloseTo(before.logLikelihood[i]!, 10);
    });
    expect(rateRatioVerdict(after)).toBe('promote');
  });

  it('the stratum straddling the weight change is evidence: it lowers the promotion statistic below 1/beta', () => {
    const carried = promotedAtHalf();
    expect(promotionLogRatio(carried)).toBeGreaterThanOrEqual(PROMOTE);
    const straddled = updateRateRatioTest(carried, [STRADDLE]);
    // 7 canary failures and none of the stable's at a share of 0.88 divide it by e^0.45 = 1.57
    // (by 1.96 in the scenario run's history); for identical slots no failure falls to the
    // stable slot with probability 0.88^7 = 0.4.
    expect(promotionLogRatio(carried) - promotionLogRatio(straddled)).toBeCloseTo(0.45, 2);
    expect(promotionLogRatio(straddled)).toBeLessThan(PROMOTE);
    // Judged on its current value (both slots get traffic), nothing promotes.
    expect(rateRatioVerdict(straddled)).toBe('continue');
  });

  it('promotes on the evidence carried into the step, saying so, however the straddle and later intervals fall', () => {
    const carried = promotedAtHalf();
    let state = judgeWithoutStableTraffic(carried, false);
    expect(state.carriedPromotionLogRatio).toBe(promotionLogRatio(carried));
    // The log-likelihoods, and so both statistics, are untouched by the declaration.
    expect(state.logLikelihood).toEqual(carried.logLikelihood);
    state = updateRateRatioTest(state, [STRADDLE]);
    for (let i = 0; i < 5; i++) state = updateRateRatioTest(state, [ALL_CANARY]);
    expect(promotionLogRatio(state)).toBeLessThan(PROMOTE);
    const evidence = rateRatioEvidence(state);
    expect(evidence.verdict).toBe('promote');
    expect(evidence.carriedPromotion?.logLikelihoodRatio).toBe(promotionLogRatio(carried));
    expect(evidence.carriedPromotion?.threshold).toBe(20);
    expect(evidence.promotion.logLikelihoodRatio).toBe(promotionLogRatio(state));
    expect(evidence.reason).toMatch(
      /^canary's rate below 2x the stable's: likelihood ratio \S+ >= 20 \(1\/beta\) carried into this step \(\S+ now\); the stable slot gets no traffic at this step, so the comparison cannot gain evidence here; canary \d+ of \d+ requests failed/,
    );
  });

  it('promoted on the current ratio at such a step, the reason still says the stable slot gets no traffic', () => {
    let state = judgeWithoutStableTraffic(promotedAtHalf(), false);
    state = updateRateRatioTest(state, [counts(300, 6, 300, 6), ALL_CANARY]);
    expect(promotionLogRatio(state)).toBeGreaterThanOrEqual(PROMOTE);
    expect(rateRatioEvidence(state).reason).toMatch(
      /^canary's rate below 2x the stable's: likelihood ratio \S+ >= 20 \(1\/beta\); the stable slot gets no traffic at this step, so the comparison cannot gain evidence here \(it carried in a promotion likelihood ratio of \S+\); canary /,
    );
  });

  it('a second declaration (a resumed bake, another step at 100 %) keeps the statistic first carried', () => {
    const carried = judgeWithoutStableTraffic(promotedAtHalf(), false);
    const straddled = updateRateRatioTest(carried, [STRADDLE]);
    const again = judgeWithoutStableTraffic(straddled, false);
    expect(again.carriedPromotionLogRatio).toBe(carried.carriedPromotionLogRatio);
    expect(rateRatioVerdict(again)).toBe('promote');
  });

  it('does not promote on a carried statistic below 1/beta: the step bakes on, saying why', () => {
    let state = startRateRatioTest(DEFAULT_RATE_RATIO_SETTINGS);
    state = updateRateRatioTest(state, [counts(100, 2, 100, 2)]);
    state = judgeWithoutStableTraffic(state, false);
    for (let i = 0; i < 50; i++) state = updateRateRatioTest(state, [ALL_CANARY]);
    const evidence = rateRatioEvidence(state);
    expect(evidence.verdict).toBe('continue');
    expect(evidence.reason).toMatch(
      /^not decided yet: rollback likelihood ratio \S+ of 100, promotion \S+ of 20; the stable slot gets no traffic at this step, so the comparison cannot gain evidence here \(it carried in a promotion likelihood ratio of \S+\); canary /,
    );
  });

  it('once the stable slot gets traffic again, the current statistic alone decides', () => {
    let state = judgeWithoutStableTraffic(promotedAtHalf(), false);
    state = updateRateRatioTest(state, [STRADDLE]);
    const comparing = judgeWithoutStableTraffic(state, true);
    expect(comparing.carriedPromotionLogRatio).toBeUndefined();
    expect('carriedPromotionLogRatio' in comparing).toBe(false);
    expect(rateRatioVerdict(comparing)).toBe('continue');
    expect(rateRatioEvidence(comparing).carriedPromotion).toBeUndefined();
  });

  it('a rollback is still decided by the straddle: the carried promotion never hides it', () => {
    let state = judgeWithoutStableTraffic(promotedAtHalf(), false);
    state = updateRateRatioTest(state, [counts(300, 150, 100, 0)]);
    expect(rollbackLogRatio(state)).toBeGreaterThanOrEqual(Math.log(100));
    expect(rateRatioVerdict(state)).toBe('rollback');
  });

  // Validity (Ville): whatever the strata and wherever the steps without stable traffic
  // fall, a promotion verdict needs the promotion statistic itself to have reached 1/beta at
  // some evaluation; so the chance of ever promoting early a canary `margin` times worse
  // stays at most beta. The carried statistic is a value the statistic had, never more.
  it('promotes only where the statistic itself reached 1/beta at some evaluation (any strata, any steps)', () => {
    const step = fc.record({
      stableGetsTraffic: fc.boolean(),
      strata: fc.array(
        fc
          .record({
            canaryRequests: fc.integer({ min: 0, max: 400 }),
            stableRequests: fc.integer({ min: 0, max: 400 }),
            canaryRate: fc.double({ min: 0, max: 0.2, noNaN: true }),
            stableRate: fc.double({ min: 0, max: 0.2, noNaN: true }),
          })
          .map((s) =>
            counts(
              s.canaryRequests,
              Math.round(s.canaryRequests * s.canaryRate),
              s.stableRequests,
              Math.round(s.stableRequests * s.stableRate),
            ),
          ),
        { maxLength: 8 },
      ),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), (steps) => {
        let state = startRateRatioTest(DEFAULT_RATE_RATIO_SETTINGS);
        let peak = promotionLogRatio(state);
        for (const { stableGetsTraffic, strata } of steps) {
          state = judgeWithoutStableTraffic(state, stableGetsTraffic);
          for (const stratum of strata) {
            state = updateRateRatioTest(state, [stratum]);
            peak = Math.max(peak, promotionLogRatio(state));
            if (rateRatioVerdict(state) === 'promote') expect(peak).toBeGreaterThanOrEqual(PROMOTE);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

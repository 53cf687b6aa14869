/**
 * What a rate-ratio test shows now, as data and as a sentence: the verdict, both likelihood
 * ratios beside their thresholds, the confidence bounds on the ratio, the counts, and why.
 */
import { formatLikelihoodRatio, percent, significant } from './evidence-text.js';
import { rateRatioBounds, type RateRatioBounds } from './rate-ratio-bounds.js';
import { LATTICE_SIZE } from './rate-ratio-grid.js';
import { promotionLogRatio, rollbackLogRatio, type RateRatioState } from './rate-ratio-test.js';
import type { SequentialVerdict } from './sequential-verdict.js';
import type { SlotCounts } from './slot-counts.js';
import {
  cappedRatio,
  FAILED_REQUESTS,
  testStatistic,
  type EventWording,
  type TestStatistic,
} from './test-statistic.js';

/** The evidence of a rate-ratio test. */
export interface RateRatioEvidence {
  /** What it says. */
  readonly verdict: SequentialVerdict;
  /** Why, in one sentence with the figures. */
  readonly reason: string;
  /** The rollback test (canary worse than `tolerance` times the stable?). */
  readonly rollback: TestStatistic & {
    /** The largest likelihood ratio reached so far: a rollback stays decided. */
    readonly peakLikelihoodRatio: number;
  };
  /** The promotion test (canary better than `margin` times the stable?). */
  readonly promotion: TestStatistic;
  /**
   * At a step where the stable slot gets no traffic: the promotion statistic carried into
   * the step, which the verdict is judged on there (`rate-ratio-test.ts`); else undefined.
   */
  readonly carriedPromotion: TestStatistic | undefined;
  /** The canary's event rate over the stable's, pooled over every interval; undefined without stable events. */
  readonly observedRatio: number | undefined;
  /** Anytime-valid bounds on the ratio (lower at 1 - alpha, upper at 1 - beta). */
  readonly bounds: RateRatioBounds;
  /** The canary's counts since the start. */
  readonly canary: SlotCounts;
  /** The stable slot's counts since the start. */
  readonly stable: SlotCounts;
  /** Intervals counted. */
  readonly intervals: number;
}

/**
 * The verdict alone (what {@link rateRatioEvidence} says, without its bounds): `rollback`
 * once the rollback statistic has ever reached 1/alpha, else `promote` while the promotion
 * statistic is at or above 1/beta (or, at a step where the stable slot gets no traffic, was
 * as the step began), else `continue`.
 */
export function rateRatioVerdict(state: RateRatioState): SequentialVerdict {
  if (state.peakRollbackLogRatio >= Math.log(1 / state.settings.alpha)) return 'rollback';
  const promotion = Math.log(1 / state.settings.beta);
  if (promotionLogRatio(state) >= promotion) return 'promote';
  if ((state.carriedPromotionLogRatio ?? -Infinity) >= promotion) return 'promote';
  return 'continue';
}

/** The evidence of `state` now. */
export function rateRatioEvidence(
  state: RateRatioState,
  wording: EventWording = FAILED_REQUESTS,
): RateRatioEvidence {
  const { alpha, beta, tolerance, margin } = state.settings;
  const rollbackLog = rollbackLogRatio(state);
  const promotionLog = promotionLogRatio(state);
  const bounds = rateRatioBounds(state.logLikelihood.slice(0, LATTICE_SIZE), alpha, beta);
  const { canary, stable } = state;
  const observedRatio =
    stable.events > 0 && canary.requests > 0 && stable.requests > 0
      ? canary.events / canary.requests / (stable.events / stable.requests)
      : undefined;
  const verdict = rateRatioVerdict(state);
  const counts =
    `canary ${canary.events} of ${canary.requests} requests ${wording.events}` +
    `${canary.requests > 0 ? ` (${percent(canary.events / canary.requests)})` : ''}, ` +
    `stable ${stable.events} of ${stable.requests}` +
    `${stable.requests > 0 ? ` (${percent(stable.events / stable.requests)})` : ''}`;
  const ratioText =
    observedRatio === undefined ? '' : `; ratio ${significant(observedRatio)}${boundsText(bounds)}`;
  const rollbackText = `likelihood ratio ${formatLikelihoodRatio(state.peakRollbackLogRatio)} >= ${significant(1 / alpha)} (1/alpha)`;
  const carried = state.carriedPromotionLogRatio;
  const stableIdle =
    'the stable slot gets no traffic at this step, so the comparison cannot gain evidence here';
  const noStableTraffic =
    carried === undefined
      ? ''
      : `; ${stableIdle} (it carried in a promotion likelihood ratio of ${formatLikelihoodRatio(carried)})`;
  const promotionThreshold = `${significant(1 / beta)} (1/beta)`;
  let reason: string;
  if (verdict === 'rollback') {
    reason = `canary's rate above ${significant(tolerance)}x the stable's: ${rollbackText}; ${counts}${ratioText}`;
  } else if (verdict === 'promote') {
    const promotedOn =
      carried !== undefined && promotionLog < Math.log(1 / beta)
        ? `${formatLikelihoodRatio(carried)} >= ${promotionThreshold} carried into this step (${formatLikelihoodRatio(promotionLog)} now); ${stableIdle}`
        : `${formatLikelihoodRatio(promotionLog)} >= ${promotionThreshold}${noStableTraffic}`;
    reason = `canary's rate below ${significant(margin)}x the stable's: likelihood ratio ${promotedOn}; ${counts}${ratioText}`;
  } else {
    reason = `${undecidedWhy(state)}: rollback likelihood ratio ${formatLikelihoodRatio(rollbackLog)} of ${significant(1 / alpha)}, promotion ${formatLikelihoodRatio(promotionLog)} of ${significant(1 / beta)}${noStableTraffic}; ${counts}${ratioText}`;
  }
  return {
    verdict,
    reason,
    rollback: {
      ...testStatistic(rollbackLog, 1 / alpha),
      peakLikelihoodRatio: cappedRatio(state.peakRollbackLogRatio),
    },
    promotion: testStatistic(promotionLog, 1 / beta),
    carriedPromotion: carried === undefined ? undefined : testStatistic(carried, 1 / beta),
    observedRatio,
    bounds,
    canary,
    stable,
    intervals: state.intervals,
  };
}

function undecidedWhy(state: RateRatioState): string {
  if (state.canary.requests === 0) return 'no evidence: the canary received no requests';
  if (state.stable.requests === 0) return 'no evidence: the stable slot received no requests';
  if (state.canary.events + state.stable.events === 0)
    return 'no evidence: no events in either slot yet';
  return 'not decided yet';
}

function boundsText({ lower, upper }: RateRatioBounds): string {
  if (lower === undefined && upper === undefined) return '';
  if (upper === undefined) return ` (above ${significant(lower as number)})`;
  if (lower === undefined) return ` (below ${significant(upper)})`;
  return ` (between ${significant(lower)} and ${significant(upper)})`;
}

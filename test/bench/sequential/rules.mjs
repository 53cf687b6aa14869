/**
 * The rules the benchmark compares, each fed the same simulated service every 10 s:
 *
 * - `sequential`: switchyard's anytime-valid rate-ratio test through the real code path
 *   (raw samples -> readCounterIncrements -> slotIncrements -> pairStrata ->
 *   updateRateRatioTest -> rateRatioVerdict, core's analysis/ through internal-testing); with
 *   source-side metrics, one stratum per reporting client pod;
 * - `flagger`: Flagger's defaults (fluxcd/flagger pkg/apis/flagger/v1beta1/canary.go:
 *   analysis interval 60 s, threshold 1 failed check; the built-in request-success-rate
 *   over a 1m window with the usual `thresholdRange.min: 99`); "no values" (no canary
 *   requests in the window) is a failed check, as in Flagger;
 * - `argo`: Argo Rollouts' documented success-rate analysis (docs/features/analysis.md:
 *   interval 5m, `successCondition: result[0] >= 0.95`, `failureLimit: 3`, i.e. abort on the
 *   4th failed measurement), its `irate(...[5m])` query scoped to the canary's workload;
 * - `switchyard`: switchyard's current threshold mode with its defaults
 *   (packages/core/src/spec/sections/checks.ts, release/bake-checks.ts): success-rate >= 99 %
 *   over a 1m window every 10 s, rollback after 2 failed evaluations in a row, or after more
 *   than 3 inconclusive ones in a row (fewer than 20 canary requests in the window);
 * - `threshold @1%/h` and `threshold @seq`: the same switchyard rule with its threshold
 *   raised until an identical canary is rolled back in at most 1 % of one-hour runs (the
 *   issue's goal), and in at most as many runs as the sequential test rolled back (the
 *   issue's "at the same false-rollback rate"), calibrated on the identical row of each
 *   traffic configuration and kept for its other rows.
 *
 * PromQL windows are computed from the raw samples like `increase()` without its
 * extrapolation (the success ratio is nearly unchanged by it).
 */
import {
  isFailedRequest,
  NO_PENDING_STRATA,
  pairStrata,
  rateRatioVerdict,
  readCounterIncrements,
  requestCounts,
  slotByWorkload,
  slotIncrements,
  START_COUNTERS,
  startRateRatioTest,
  updateRateRatioTest,
} from '@switchyard/core/internal-testing';

const slotOf = slotByWorkload({ canary: 'reviews-green', stable: 'reviews-blue' });

/** The sequential test; records when it first said rollback and when it first said promote. */
export function sequentialRule(settings, { stratumOf } = {}) {
  let tracker = START_COUNTERS;
  let pending = NO_PENDING_STRATA;
  let state = startRateRatioTest(settings);
  return {
    rollbackAt: undefined,
    promoteAt: undefined,
    start(series) {
      tracker = readCounterIncrements(tracker, series).state;
    },
    observe(t, series) {
      const read = readCounterIncrements(tracker, series);
      tracker = read.state;
      const counts = slotIncrements(requestCounts(read.increments, isFailedRequest), {
        slotOf,
        stratumOf,
      });
      const paired = pairStrata(pending, counts);
      pending = paired.state;
      state = updateRateRatioTest(state, paired.strata);
      const verdict = rateRatioVerdict(state);
      if (verdict === 'rollback') this.rollbackAt ??= t;
      if (verdict === 'promote') this.promoteAt ??= t;
    },
  };
}

/** Flagger's defaults. */
export function flaggerRule() {
  let failedChecks = 0;
  return {
    rollbackAt: undefined,
    observe(t, _series, service) {
      if (t % 60 !== 0) return;
      const window = service.canaryWindow(t, 60, 'increase');
      const failed =
        window === undefined || window.total === 0 || window.failed / window.total > 0.01;
      if (failed) failedChecks++;
      if (failedChecks >= 1) this.rollbackAt ??= t;
    },
  };
}

/** Argo Rollouts' documented success-rate analysis. */
export function argoRule() {
  let failed = 0;
  let consecutiveErrors = 0;
  return {
    rollbackAt: undefined,
    observe(t, _series, service) {
      if (t % 300 !== 0) return;
      const window = service.canaryWindow(t, 300, 'irate');
      if (window === undefined) {
        // An empty result is an Error in Argo; more than 4 in a row end the analysis.
        if (++consecutiveErrors > 4) this.rollbackAt ??= t;
        return;
      }
      consecutiveErrors = 0;
      // NaN (no requests) fails `result[0] >= 0.95` like a low value.
      if (window.total === 0 || 1 - window.failed / window.total < 0.95) failed++;
      if (failed > 3) this.rollbackAt ??= t;
    },
  };
}

/**
 * switchyard's threshold mode: fail when the canary's failure rate exceeds `maxFailureRate`
 * (1 % for the default 99 % success rate). Also records, for calibration, the largest
 * failure rate that two conclusive evaluations in a row both exceeded (`worstPair`): the
 * rule with threshold e rolls back on failures exactly when worstPair > e.
 */
export function switchyardRule(maxFailureRate) {
  let failures = 0;
  let inconclusive = 0;
  let previous;
  return {
    rollbackAt: undefined,
    /** When too many inconclusive evaluations in a row ended it (whatever the threshold). */
    inconclusiveAt: undefined,
    worstPair: 0,
    observe(t, _series, service) {
      if (t % 10 !== 0) return;
      const window = service.canaryWindow(t, 60, 'increase');
      if (window === undefined || window.total < 20) {
        failures = 0;
        previous = undefined;
        if (++inconclusive > 3) {
          this.inconclusiveAt ??= t;
          this.rollbackAt ??= t;
        }
        return;
      }
      inconclusive = 0;
      const rate = window.failed / window.total;
      if (previous !== undefined)
        this.worstPair = Math.max(this.worstPair, Math.min(previous, rate));
      previous = rate;
      if (rate > maxFailureRate) failures++;
      else failures = 0;
      if (failures >= 2) this.rollbackAt ??= t;
    },
  };
}

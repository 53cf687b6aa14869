/**
 * The sequential comparison of the canary with the stable slot: is the canary's event rate
 * (failed requests, or requests slower than a fixed latency edge) more than `r0` times the
 * stable's (roll back), or less than `r1` times it (promote the step early)?
 *
 * Model (Lindon & Malek 2022, "Anytime-valid inference for multinomial count data", NeurIPS,
 * §canary testing; Lindon, Sanden & Shirikian 2022, "Rapid regression detection in software
 * deployments through sequential testing", KDD). In stratum `i` (both slots' counts over
 * one span, as `paired-strata.ts` releases them) the canary served `n_i^c` requests with
 * `x_i` events and the stable slot `n_i^s` with `y_i`. Given the request counts, each slot's
 * events are Poisson with means `n^c p_i^c` and `n^s p_i^s`; the per-request rates may change
 * from stratum to stratum in any way (load, a shared dependency failing) and only their ratio
 * `r = p^c / p^s` is tested. Then, given the `E_i = x_i + y_i` events of the stratum, the
 * canary's share is binomial:
 *
 *   x_i | E_i ~ Binomial(E_i, θ_i(r)),   θ_i(r) = ρ_i r / (ρ_i r + 1 - ρ_i),
 *
 * where `ρ_i = n_i^c / (n_i^c + n_i^s)` is the canary's measured share of the requests (the
 * route weight as the proxies really applied it, not as configured).
 *
 * The test martingale. The log-likelihood of ratio `r`, up to a term free of `r`, is
 *
 *   ℓ_t(r) = Σ_{i<=t} [ x_i ln r - E_i ln(1 + ρ_i (r - 1)) ],
 *
 * kept at fixed ratios (`rate-ratio-grid.ts`). The rollback statistic is the mixture
 *
 *   M_t = Σ_{j=1..16} (1/16) exp(ℓ_t(r0 · 2^(j/2)) - ℓ_t(r0)),
 *
 * a uniform mixture of likelihood ratios of alternatives above the tolerated ratio `r0`
 * against `r0` itself. Each factor a stratum adds, `(θ_i(r_j)/θ_i(r0))^x_i ·
 * ((1-θ_i(r_j))/(1-θ_i(r0)))^y_i`, has conditional mean exactly 1 when the true ratio is
 * `r0`, and at most 1 when it is below `r0` (the factor increases with `x_i`, whose law
 * increases with `r`: the composite null "r <= r0" has `r0` as least favourable point). So
 * `M_t` is a nonnegative supermartingale with `M_0 = 1` under the null, whatever the
 * shares `ρ_i` (they may change at every weight step: they are conditioned on), and Ville's
 * inequality gives
 *
 *   P(there is a time t with M_t >= 1/alpha) <= alpha.
 *
 * The canary is rolled back the first time `M_t >= 1/alpha`; evidence carries across weight
 * steps because the same product continues. The promotion statistic mirrors it: alternatives
 * `r1 · 2^(-j/2)`, `j = 1..10`, weights 1/10, against `r1`; a supermartingale whenever the
 * true ratio is at least the margin `r1`, so the chance of ever promoting early a canary
 * that is `r1` times worse or more is at most beta.
 *
 * Steps where the stable slot gets no traffic (the last step of a canary, a blue/green
 * switch). A stratum in which the stable slot served no request has `ρ_i = 1`, so
 * `θ_i(r) = 1` for every ratio: its factor is exactly 1 and the evidence stays as it was.
 * The comparison cannot gain evidence at such a step, either way. Only the stratum that
 * straddles the weight change still carries some: the stable slot's last requests (served,
 * or scraped, after the previous step's last read) beside the canary's, at a high share.
 * That stratum is valid evidence (the model conditions on the counts; the share need not be
 * constant within a stratum), and at a high share it often lowers the promotion statistic:
 * with `ρ = 0.88` and 7 events, all 7 fall to the canary with probability 0.88^7 = 0.4 when
 * the slots are identical, and together they divided the statistic by 2 and by 3.6 in two
 * scenario runs, from just above 1/beta (where the previous bake ended early) to below it. Judged on its current
 * value, a step at which the statistic can never grow again would then bake to its maximum
 * for nothing (a quarter of the releases at the scenario's settings:
 * test/bench/sequential-last-step.mjs). So at such a step the promotion verdict is judged on
 * the statistic as the step began, the evidence the comparison carried into it
 * ({@link judgeWithoutStableTraffic}): it promotes if that value, or the current one, is at
 * least 1/beta. Both are values `M_s` of the same supermartingale at some time `s`, so a
 * promotion still needs `M_s >= 1/beta` at some `s`, and the chance of ever promoting early
 * a canary `r1` times worse or more stays at most beta (Ville); no evidence is invented. It
 * is not the largest value ever reached: a statistic that fell below 1/beta at an earlier
 * step with stable traffic (newer evidence against the canary) does not promote the last
 * step either. The rollback side is unchanged (its peak decides, as always).
 *
 * Why the grid and not Lindon & Malek's conjugate Dirichlet mixture over θ: θ depends on
 * `ρ_i`, which changes at every weight step, so no single prior over θ stays conjugate; a
 * prior over `r` does, and a finite grid with fixed weights makes the mixture exact.
 *
 * Assumptions, stated plainly in docs/sequential-verdicts.md: every request is routed to a
 * slot at random with the same probability whatever the client (sticky sessions and
 * consistent hashing break this); the slots' counts in a stratum cover the same span; events
 * are independent given the rates. With per-request Bernoulli outcomes instead of Poisson
 * counts the canary's share given `E_i` is hypergeometric-like: at `r0 = 1` it is less
 * dispersed than the binomial (Hoeffding 1963), so the test stays valid; for `r0 != 1`, and
 * for the margin `r1`, it is exact to first order in the event rate (the property tests
 * measure it with binomial failures: crossings stay well below alpha and beta).
 */
import { assertSlotCounts, addSlotCounts, NO_REQUESTS } from './slot-counts.js';
import type { ComparisonCounts, SlotCounts } from './slot-counts.js';
import { logSumExp } from './log-sum-exp.js';
import { PROMOTION_ALTERNATIVES, ROLLBACK_ALTERNATIVES, ratioPoints } from './rate-ratio-grid.js';

/** What a rate-ratio test decides and how sure it must be. */
export interface RateRatioSettings {
  /**
   * Bound on the chance of ever rolling back a canary whose event rate is at most
   * `tolerance` times the stable's, over the whole test (0 < alpha < 1).
   */
  readonly alpha: number;
  /**
   * Bound on the chance of ever promoting early a canary whose event rate is at least
   * `margin` times the stable's (0 < beta < 1).
   */
  readonly beta: number;
  /** `r0`: the ratio canary/stable still tolerated; roll back once shown above it (> 0). */
  readonly tolerance: number;
  /** `r1`: promote early once the ratio is shown below it (> 0; usually above `tolerance`). */
  readonly margin: number;
}

/**
 * Suggested settings: at most 1 % chance of a false rollback ever; promote early once the
 * canary is shown, at 95 % confidence, to have less than twice the stable's event rate.
 */
export const DEFAULT_RATE_RATIO_SETTINGS: RateRatioSettings = Object.freeze({
  alpha: 0.01,
  beta: 0.05,
  tolerance: 1,
  margin: 2,
});

/** The state of a rate-ratio test: plain JSON, small enough to keep in the release record. */
export interface RateRatioState {
  /** The settings it was started with (they fix the ratios the log-likelihood is kept at). */
  readonly settings: RateRatioSettings;
  /** Updates that brought requests to either slot. */
  readonly intervals: number;
  /** Everything the canary served since the start. */
  readonly canary: SlotCounts;
  /** Everything the stable slot served since the start. */
  readonly stable: SlotCounts;
  /** `ℓ_t(r)` at every ratio of `ratioPoints(tolerance, margin)`, in its order. */
  readonly logLikelihood: readonly number[];
  /**
   * The largest `ln M_t` reached so far: once it reaches `ln(1/alpha)` the null is rejected
   * for good (Ville's inequality covers every time at once).
   */
  readonly peakRollbackLogRatio: number;
  /**
   * The promotion statistic (natural log) as the first step at which the stable slot gets no
   * traffic began: what the comparison carried into it; undefined at steps where the stable
   * slot gets traffic (and in states recorded before this field existed).
   */
  readonly carriedPromotionLogRatio?: number | undefined;
}

/**
 * Starts a test.
 *
 * @throws RangeError naming the setting that is out of range.
 */
export function startRateRatioTest(settings: RateRatioSettings): RateRatioState {
  assertProbability(settings.alpha, 'alpha');
  assertProbability(settings.beta, 'beta');
  assertRatio(settings.tolerance, 'tolerance');
  assertRatio(settings.margin, 'margin');
  const points = ratioPoints(settings.tolerance, settings.margin);
  return {
    settings: { ...settings },
    intervals: 0,
    canary: NO_REQUESTS,
    stable: NO_REQUESTS,
    logLikelihood: points.ratios.map(() => 0),
    peakRollbackLogRatio: 0,
  };
}

/**
 * Adds one interval's counts: one stratum per span both slots were counted over (usually
 * one; one per scrape origin when the origin sees both slots, as source-side metrics do).
 * A stratum without requests to the canary or without requests to the stable slot carries
 * no evidence (its factor is 1) but its counts still add to the totals.
 *
 * @throws RangeError when a count is negative, not finite, or has more events than requests.
 */
export function updateRateRatioTest(
  state: RateRatioState,
  strata: readonly ComparisonCounts[],
): RateRatioState {
  const { settings } = state;
  const points = ratioPoints(settings.tolerance, settings.margin);
  const logLikelihood = [...state.logLikelihood];
  let canary = state.canary;
  let stable = state.stable;
  let requests = 0;
  strata.forEach((stratum, index) => {
    assertSlotCounts(stratum.canary, `strata[${index}].canary`);
    assertSlotCounts(stratum.stable, `strata[${index}].stable`);
    canary = addSlotCounts(canary, stratum.canary);
    stable = addSlotCounts(stable, stratum.stable);
    const total = stratum.canary.requests + stratum.stable.requests;
    requests += total;
    const events = stratum.canary.events + stratum.stable.events;
    if (events === 0) return;
    const share = stratum.canary.requests / total;
    const x = stratum.canary.events;
    for (let k = 0; k < logLikelihood.length; k++) {
      const ratio = points.ratios[k] as number;
      logLikelihood[k] =
        (logLikelihood[k] as number) +
        x * (points.logRatios[k] as number) -
        events * Math.log1p(share * (ratio - 1));
    }
  });
  const next: RateRatioState = {
    ...state,
    intervals: state.intervals + (requests > 0 ? 1 : 0),
    canary,
    stable,
    logLikelihood,
  };
  return {
    ...next,
    peakRollbackLogRatio: Math.max(state.peakRollbackLogRatio, rollbackLogRatio(next)),
  };
}

/**
 * Says whether the stable slot gets traffic at the step about to bake. Where it gets none,
 * the comparison cannot gain evidence and its promotion verdict is judged on what it carried
 * into the step (module comment): the statistic now is kept as `carriedPromotionLogRatio`,
 * unless one is kept already (a resumed bake, or several such steps in a row). Where it gets
 * traffic again, the carried statistic is dropped and the current one decides.
 */
export function judgeWithoutStableTraffic(
  state: RateRatioState,
  stableGetsTraffic: boolean,
): RateRatioState {
  if (stableGetsTraffic) {
    if (state.carriedPromotionLogRatio === undefined) return state;
    const { carriedPromotionLogRatio: _dropped, ...comparing } = state;
    return comparing;
  }
  if (state.carriedPromotionLogRatio !== undefined) return state;
  return { ...state, carriedPromotionLogRatio: promotionLogRatio(state) };
}

/** `ln M_t`: the rollback mixture against the tolerated ratio, now. */
export function rollbackLogRatio(state: RateRatioState): number {
  const points = ratioPoints(state.settings.tolerance, state.settings.margin);
  const ll = state.logLikelihood;
  const first = points.rollbackFirst;
  return (
    logSumExp(ll, first, first + ROLLBACK_ALTERNATIVES) -
    Math.log(ROLLBACK_ALTERNATIVES) -
    (ll[points.tolerance] as number)
  );
}

/** The promotion mixture against the margin, now (natural log). */
export function promotionLogRatio(state: RateRatioState): number {
  const points = ratioPoints(state.settings.tolerance, state.settings.margin);
  const ll = state.logLikelihood;
  const first = points.promotionFirst;
  return (
    logSumExp(ll, first, first + PROMOTION_ALTERNATIVES) -
    Math.log(PROMOTION_ALTERNATIVES) -
    (ll[points.margin] as number)
  );
}

function assertProbability(value: number, name: string): void {
  if (!(value > 0 && value < 1))
    throw new RangeError(`${name} must be strictly between 0 and 1, got ${value}`);
}

function assertRatio(value: number, name: string): void {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a finite ratio > 0, got ${value}`);
}

/**
 * The sequential absolute check: is the canary's event rate (failed requests, or requests
 * slower than a latency edge) at most the objective `q`? Fail once a confidence sequence
 * for the rate lies entirely above `q`, pass once it lies entirely below.
 *
 * The statistics are Robbins' beta mixtures (`beta-mixture.ts`) over the counts so far, `S`
 * events in `n` requests, with the prior Beta(1, (1 - q)/q), whose mean is `q` (an
 * exponential-like spread of alternatives around the objective):
 *
 * - fail statistic: the mixture over rates above `q` against `q`. Whenever every request's
 *   own event probability is at most `q` (it may change with time in any way), it is a
 *   nonnegative supermartingale from 1, so the chance it ever reaches 1/alpha is at most
 *   alpha (Ville). Reaching it is the same as the one-sided confidence sequence's lower
 *   bound rising above `q`;
 * - pass statistic: the mixture over rates below `q` against `q`, reaching 1/beta with
 *   chance at most beta while every request's probability is at least `q`.
 *
 * Reported bounds are the same statistics inverted: the lower bound is the largest rate
 * `q'` at which the fail statistic (with the prior of `q'`) has reached 1/alpha, the upper
 * bound the smallest at which the pass statistic has reached 1/beta, both found by
 * bisection.
 */
import { betaMixtureLogLikelihoodRatio, type BetaPrior } from './beta-mixture.js';
import { formatLikelihoodRatio, percent, significant } from './evidence-text.js';
import type { SequentialVerdict } from './sequential-verdict.js';
import { assertSlotCounts, addSlotCounts, NO_REQUESTS, type SlotCounts } from './slot-counts.js';
import {
  FAILED_REQUESTS,
  testStatistic,
  type EventWording,
  type TestStatistic,
} from './test-statistic.js';

/** What a rate-bound check decides and how sure it must be. */
export interface RateBoundSettings {
  /** Bound on the chance of ever failing a canary whose rate never exceeds `maxRate` (0 < alpha < 1). */
  readonly alpha: number;
  /** Bound on the chance of ever passing a canary whose rate never falls below `maxRate` (0 < beta < 1). */
  readonly beta: number;
  /** The objective `q`: the highest acceptable share of requests with an event (0 < q < 1). */
  readonly maxRate: number;
}

/** The state of a rate-bound check: the counts so far (plain JSON). */
export interface RateBoundState {
  /** The settings it was started with. */
  readonly settings: RateBoundSettings;
  /** What the canary served since the start. */
  readonly counts: SlotCounts;
  /** Updates that brought requests. */
  readonly intervals: number;
}

/** The evidence of a rate-bound check. */
export interface RateBoundEvidence {
  /** What it says: `rollback` (rate shown above q), `promote` (shown below), or `continue`. */
  readonly verdict: SequentialVerdict;
  /** Why, with the figures. */
  readonly reason: string;
  /** The fail statistic (rate above q?). */
  readonly fail: TestStatistic;
  /** The pass statistic (rate below q?). */
  readonly pass: TestStatistic;
  /** The observed rate; undefined without requests. */
  readonly observedRate: number | undefined;
  /** Anytime-valid bounds on the rate (lower at 1 - alpha, upper at 1 - beta); undefined: unbounded. */
  readonly bounds: { readonly lower: number | undefined; readonly upper: number | undefined };
  /** The counts since the start. */
  readonly counts: SlotCounts;
  /** Intervals counted. */
  readonly intervals: number;
}

/** The prior of the mixtures for an objective `q`: Beta(1, (1 - q)/q), mean `q`. */
export function rateBoundPrior(maxRate: number): BetaPrior {
  return { a: 1, b: (1 - maxRate) / maxRate };
}

/**
 * Starts a check.
 *
 * @throws RangeError naming the setting that is out of range.
 */
export function startRateBoundTest(settings: RateBoundSettings): RateBoundState {
  for (const name of ['alpha', 'beta', 'maxRate'] as const) {
    const value = settings[name];
    if (!(value > 0 && value < 1))
      throw new RangeError(`${name} must be strictly between 0 and 1, got ${value}`);
  }
  return { settings: { ...settings }, counts: NO_REQUESTS, intervals: 0 };
}

/**
 * Adds one interval's counts for the canary.
 *
 * @throws RangeError when a count is negative, not finite, or has more events than requests.
 */
export function updateRateBoundTest(state: RateBoundState, counts: SlotCounts): RateBoundState {
  assertSlotCounts(counts, 'counts');
  return {
    settings: state.settings,
    counts: addSlotCounts(state.counts, counts),
    intervals: state.intervals + (counts.requests > 0 ? 1 : 0),
  };
}

/** `ln` of the fail statistic (side `above`) or the pass statistic (side `below`) at rate `q`. */
export function rateBoundLogRatio(counts: SlotCounts, q: number, side: 'above' | 'below'): number {
  const { events, requests } = counts;
  return betaMixtureLogLikelihoodRatio(events, requests - events, q, rateBoundPrior(q), side);
}

/** The evidence of `state` now. */
export function rateBoundEvidence(
  state: RateBoundState,
  wording: EventWording = FAILED_REQUESTS,
): RateBoundEvidence {
  const { alpha, beta, maxRate } = state.settings;
  const { counts } = state;
  const failLog = rateBoundLogRatio(counts, maxRate, 'above');
  const passLog = rateBoundLogRatio(counts, maxRate, 'below');
  const failed = failLog >= Math.log(1 / alpha);
  const passed = !failed && passLog >= Math.log(1 / beta);
  const observedRate = counts.requests > 0 ? counts.events / counts.requests : undefined;
  const bounds = {
    lower: bound(counts, alpha, 'above'),
    upper: bound(counts, beta, 'below'),
  };
  const figures =
    `${counts.events} of ${counts.requests} requests ${wording.events}` +
    (observedRate === undefined ? '' : ` (${percent(observedRate)})`) +
    (bounds.lower !== undefined || bounds.upper !== undefined
      ? `, rate between ${bounds.lower === undefined ? '0' : percent(bounds.lower)} and ${bounds.upper === undefined ? '100%' : percent(bounds.upper)}`
      : '');
  const objective = `the objective ${percent(maxRate)}`;
  let reason: string;
  if (failed) {
    reason = `rate above ${objective}: likelihood ratio ${formatLikelihoodRatio(failLog)} >= ${significant(1 / alpha)} (1/alpha); ${figures}`;
  } else if (passed) {
    reason = `rate below ${objective}: likelihood ratio ${formatLikelihoodRatio(passLog)} >= ${significant(1 / beta)} (1/beta); ${figures}`;
  } else {
    const why =
      counts.requests === 0 ? 'no evidence: the canary received no requests' : 'not decided yet';
    reason = `${why}: fail likelihood ratio ${formatLikelihoodRatio(failLog)} of ${significant(1 / alpha)}, pass ${formatLikelihoodRatio(passLog)} of ${significant(1 / beta)} against ${objective}; ${figures}`;
  }
  return {
    verdict: failed ? 'rollback' : passed ? 'promote' : 'continue',
    reason,
    fail: testStatistic(failLog, 1 / alpha),
    pass: testStatistic(passLog, 1 / beta),
    observedRate,
    bounds,
    counts,
    intervals: state.intervals,
  };
}

const BISECTION_STEPS = 60;
const SMALLEST_RATE = 1e-9;

/**
 * The largest rate the fail statistic rejects at `level` (side `above`), or the smallest the
 * pass statistic rejects (side `below`); undefined when none does.
 */
function bound(counts: SlotCounts, level: number, side: 'above' | 'below'): number | undefined {
  if (counts.requests === 0) return undefined;
  const threshold = Math.log(1 / level);
  const rejects = (q: number): boolean => rateBoundLogRatio(counts, q, side) >= threshold;
  const observed = counts.events / counts.requests;
  // Search in log-odds between the observed rate and the far end on the tested side.
  const far = side === 'above' ? SMALLEST_RATE : 1 - SMALLEST_RATE;
  if (!rejects(far)) return undefined;
  let inside = Math.min(Math.max(observed, SMALLEST_RATE), 1 - SMALLEST_RATE);
  let outside = far;
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = logistic((logit(inside) + logit(outside)) / 2);
    if (rejects(mid)) outside = mid;
    else inside = mid;
  }
  return outside;
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

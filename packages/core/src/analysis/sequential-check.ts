/**
 * One sequential check from counter reads to a verdict: the glue the bake loop calls once per
 * check per evaluation, so the engine only reads Prometheus and persists state.
 *
 * A check counts either failed requests (Istio's rule, `request-outcome.ts`) or requests
 * slower than a bucket edge fixed before the step (`latency-buckets.ts`), and decides either
 * by comparison with the stable slot (`compare`: the rate-ratio test, with strata paired as
 * `paired-strata.ts` explains) or against an absolute objective (`bound`: the rate-bound
 * test, on the canary's counts alone). The state is plain JSON.
 */
import type { CounterIncrement } from './counter-increments.js';
import { slowRequestCounts } from './latency-buckets.js';
import { NO_PENDING_STRATA, pairStrata, type PendingStrata } from './paired-strata.js';
import {
  rateBoundEvidence,
  startRateBoundTest,
  updateRateBoundTest,
  type RateBoundEvidence,
  type RateBoundSettings,
  type RateBoundState,
} from './rate-bound-test.js';
import { rateRatioEvidence, type RateRatioEvidence } from './rate-ratio-evidence.js';
import {
  judgeWithoutStableTraffic,
  startRateRatioTest,
  updateRateRatioTest,
  type RateRatioSettings,
  type RateRatioState,
} from './rate-ratio-test.js';
import { isFailedRequest } from './request-outcome.js';
import type { SequentialCheckVerdict } from './sequential-verdict.js';
import {
  requestCounts,
  slotIncrements,
  slotTotal,
  type SeriesCounts,
  type SeriesLabels,
  type SlotOf,
} from './slot-increments.js';
import { FAILED_REQUESTS, type EventWording } from './test-statistic.js';

/** What a check counts: failed requests, or requests slower than a bucket edge. */
export type CountedEvents = 'failed' | { readonly slowerThan: number };

/** A sequential check. */
export type SequentialCheckDefinition =
  | {
      /** Its name, as in the spec. */
      readonly name: string;
      /** Compared with the stable slot. */
      readonly kind: 'compare';
      /** What it counts. */
      readonly events: CountedEvents;
      /** The test's settings. */
      readonly settings: RateRatioSettings;
    }
  | {
      /** Its name, as in the spec. */
      readonly name: string;
      /** Against an absolute objective. */
      readonly kind: 'bound';
      /** What it counts. */
      readonly events: CountedEvents;
      /** The test's settings. */
      readonly settings: RateBoundSettings;
    };

/** The counter increments of one evaluation (`readCounterIncrements` of each metric). */
export interface SequentialRead {
  /** Increments of the request counter's series (`istio_requests_total`), both slots. */
  readonly requests: readonly CounterIncrement[];
  /** Increments of the duration histogram's bucket series; only latency checks need them. */
  readonly buckets: readonly CounterIncrement[];
}

/** How series map to slots and strata. */
export interface SequentialReadOptions {
  /** Which slot a series belongs to (`slotByWorkload`). */
  readonly slotOf: SlotOf;
  /** The stratum of a series (the reporting pod for source-side metrics); default one stratum. */
  readonly stratumOf?: ((labels: SeriesLabels) => string) | undefined;
}

/** A check's state: plain JSON, to keep in the release record. */
export type SequentialCheckState =
  | {
      /** A comparison with the stable slot. */
      readonly kind: 'compare';
      /** What the check is. */
      readonly definition: Extract<SequentialCheckDefinition, { kind: 'compare' }>;
      /** Counts waiting for the other slot. */
      readonly pending: PendingStrata;
      /** The test. */
      readonly test: RateRatioState;
    }
  | {
      /** A check against an absolute objective. */
      readonly kind: 'bound';
      /** What the check is. */
      readonly definition: Extract<SequentialCheckDefinition, { kind: 'bound' }>;
      /** The test. */
      readonly test: RateBoundState;
    };

/** A check's verdict with its evidence. */
export interface SequentialCheckResult extends SequentialCheckVerdict {
  /** The evidence, as data. */
  readonly evidence: RateRatioEvidence | RateBoundEvidence;
}

/**
 * Starts a check.
 *
 * @throws RangeError naming a setting that is out of range.
 */
export function startSequentialCheck(definition: SequentialCheckDefinition): SequentialCheckState {
  if (typeof definition.events === 'object' && !(definition.events.slowerThan > 0))
    throw new RangeError(
      `events.slowerThan must be a bucket edge > 0, got ${definition.events.slowerThan}`,
    );
  return definition.kind === 'compare'
    ? {
        kind: 'compare',
        definition,
        pending: NO_PENDING_STRATA,
        test: startRateRatioTest(definition.settings),
      }
    : { kind: 'bound', definition, test: startRateBoundTest(definition.settings) };
}

/** Adds one evaluation's counter increments. */
export function updateSequentialCheck(
  state: SequentialCheckState,
  read: SequentialRead,
  options: SequentialReadOptions,
): SequentialCheckState {
  const counts = slotIncrements(countsOf(state.definition.events, read), options);
  if (state.kind === 'bound') {
    return { ...state, test: updateRateBoundTest(state.test, slotTotal(counts, 'canary')) };
  }
  const paired = pairStrata(state.pending, counts);
  return { ...state, pending: paired.state, test: updateRateRatioTest(state.test, paired.strata) };
}

/**
 * Says whether the stable slot gets traffic at the step about to bake: a comparison cannot
 * gain evidence at a step where it gets none, and is judged there on the evidence it carried
 * into the step (`rate-ratio-test.ts`). A check against an absolute objective reads the
 * canary alone and is left as it is.
 */
export function judgeStepTraffic(
  state: SequentialCheckState,
  stableGetsTraffic: boolean,
): SequentialCheckState {
  if (state.kind === 'bound') return state;
  return { ...state, test: judgeWithoutStableTraffic(state.test, stableGetsTraffic) };
}

/** The check's verdict now, with its evidence and reason. */
export function sequentialCheckResult(state: SequentialCheckState): SequentialCheckResult {
  const wording = wordingOf(state.definition.events);
  const evidence =
    state.kind === 'compare'
      ? rateRatioEvidence(state.test, wording)
      : rateBoundEvidence(state.test, wording);
  return {
    name: state.definition.name,
    verdict: evidence.verdict,
    reason: evidence.reason,
    evidence,
  };
}

function countsOf(events: CountedEvents, read: SequentialRead): SeriesCounts[] {
  return events === 'failed'
    ? requestCounts(read.requests, isFailedRequest)
    : slowRequestCounts(read.buckets, events.slowerThan);
}

function wordingOf(events: CountedEvents): EventWording {
  return events === 'failed'
    ? FAILED_REQUESTS
    : { events: `were slower than ${events.slowerThan}` };
}

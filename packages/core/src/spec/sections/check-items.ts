/**
 * One item of `checks.items`: a built-in check (with its threshold, and the settings of its
 * sequential test) or a custom PromQL query. Declared apart from the section (`checks.ts`)
 * because the item types are most of its text.
 */
import { choiceKind, field, group, nameKind, NUMBER, TEXT } from '../field-declaration.js';
import { CHECK_NAME } from '../kubernetes-names.js';

/** How checks decide: each evaluation against a bound, or an anytime-valid sequential test. */
export type CheckAnalysis = 'threshold' | 'sequential';

/** One check: a built-in type with an optional threshold, or a custom query. */
export type CheckSpec =
  | SuccessRateCheckSpec
  | LatencyP99CheckSpec
  | SuccessRateVsStableCheckSpec
  | LatencyVsStableCheckSpec
  | CustomCheckSpec;

/** Fields only comparisons with the stable slot take, absent from other checks. */
interface NoComparisonFields {
  /** Only for `success-rate-vs-stable` and `latency-vs-stable`. */
  tolerance?: undefined;
  /** Only for `success-rate-vs-stable` and `latency-vs-stable`. */
  margin?: undefined;
  /** Only for `latency-vs-stable`. */
  slowerThan?: undefined;
}

/** Percent of candidate requests not answered with a 5xx nor, for gRPC, a non-OK status. */
export interface SuccessRateCheckSpec extends NoComparisonFields {
  /** `success-rate`. */
  type: 'success-rate';
  /** Name shown in events and the release record; unique among the checks. Undefined: the type. */
  name?: string | undefined;
  /** Not for built-ins. */
  query?: undefined;
  /**
   * Lowest passing percent, 0..100. Undefined: 99. Sequential: the failed share `100 - min`
   * percent is the objective the candidate is tested against.
   */
  min?: number | undefined;
  /** Not for `success-rate` (use `min`). */
  max?: undefined;
  /** Not for `success-rate`. */
  maxDegradation?: undefined;
  /** `threshold` or `sequential`. Undefined: `checks.analysis`. */
  analysis?: CheckAnalysis | undefined;
}

/** p99 request duration of the candidate, in milliseconds. */
export interface LatencyP99CheckSpec extends NoComparisonFields {
  /** `latency-p99`. */
  type: 'latency-p99';
  /** Name shown in events and the release record; unique among the checks. Undefined: the type. */
  name?: string | undefined;
  /** Not for built-ins. */
  query?: undefined;
  /** Not for `latency-p99` (use `max`). */
  min?: undefined;
  /**
   * Highest passing p99 in milliseconds. Undefined: 500. Sequential: at most 1 % of the
   * candidate's requests slower than `max` rounded up to a histogram bucket edge.
   */
  max?: number | undefined;
  /** Not for `latency-p99`. */
  maxDegradation?: undefined;
  /** `threshold` or `sequential`. Undefined: `checks.analysis`. */
  analysis?: CheckAnalysis | undefined;
}

/** Candidate error rate compared with the stable slot's. */
export interface SuccessRateVsStableCheckSpec {
  /** `success-rate-vs-stable`. */
  type: 'success-rate-vs-stable';
  /** Name shown in events and the release record; unique among the checks. Undefined: the type. */
  name?: string | undefined;
  /** Not for built-ins. */
  query?: undefined;
  /** Not for `success-rate-vs-stable` (use `maxDegradation`). */
  min?: undefined;
  /** Not for `success-rate-vs-stable` (use `maxDegradation`). */
  max?: undefined;
  /**
   * Threshold: percentage points the candidate's error rate may exceed the stable one's,
   * 0..100. Undefined: 1.
   */
  maxDegradation?: number | undefined;
  /** `threshold` or `sequential`. Undefined: `checks.analysis`. */
  analysis?: CheckAnalysis | undefined;
  /** Sequential: the tolerated ratio of error rates. Undefined: `checks.tolerance`. */
  tolerance?: number | undefined;
  /** Sequential: promote early below this ratio. Undefined: `checks.margin`. */
  margin?: number | undefined;
  /** Only for `latency-vs-stable`. */
  slowerThan?: undefined;
}

/** Candidate latency compared with the stable slot's. */
export interface LatencyVsStableCheckSpec {
  /** `latency-vs-stable`. */
  type: 'latency-vs-stable';
  /** Name shown in events and the release record; unique among the checks. Undefined: the type. */
  name?: string | undefined;
  /** Not for built-ins. */
  query?: undefined;
  /** Not for `latency-vs-stable` (use `maxDegradation`). */
  min?: undefined;
  /** Not for `latency-vs-stable` (use `maxDegradation`). */
  max?: undefined;
  /** Threshold: milliseconds the candidate's p99 may exceed the stable one's. Undefined: 100. */
  maxDegradation?: number | undefined;
  /** `threshold` or `sequential`. Undefined: `checks.analysis`. */
  analysis?: CheckAnalysis | undefined;
  /** Sequential: the tolerated ratio of the shares of slow requests. Undefined: `checks.tolerance`. */
  tolerance?: number | undefined;
  /** Sequential: promote early below this ratio. Undefined: `checks.margin`. */
  margin?: number | undefined;
  /**
   * Sequential: a request is slow above this many milliseconds, rounded up to a histogram
   * bucket edge. Undefined: the smallest edge at or above the stable slot's p99 when the
   * check starts.
   */
  slowerThan?: number | undefined;
}

/** A PromQL query of your own, compared with `min` and/or `max`. */
export interface CustomCheckSpec extends NoComparisonFields {
  /** `custom`, or undefined (a check with a `query` is custom). */
  type?: 'custom' | undefined;
  /** Required for custom checks; unique among the checks. */
  name: string;
  /**
   * PromQL returning one number. Variables: `{{service}}`, `{{namespace}}`, `{{workload}}`
   * (candidate Deployment), `{{stableWorkload}}`, `{{slot}}` (candidate label value),
   * `{{candidate}}` / `{{stable}}` (label matchers of each slot's requests, as the route
   * backend counts them), `{{window}}`.
   */
  query: string;
  /** Lowest passing value. Undefined: no lower bound (at least one of `min` and `max` is required). */
  min?: number | undefined;
  /** Highest passing value. Undefined: no upper bound (at least one of `min` and `max` is required). */
  max?: number | undefined;
  /** Not for custom checks (use `max`). */
  maxDegradation?: undefined;
  /** Always `threshold`: a query's value is not a count the sequential tests can weigh. */
  analysis?: 'threshold' | undefined;
}

/** The fields of one check. */
export const CHECK_ITEM_FIELDS = group(
  'A check: a built-in type with a threshold, or a custom query with min and/or max.',
  {
    type: field({
      kind: choiceKind([
        'success-rate',
        'latency-p99',
        'success-rate-vs-stable',
        'latency-vs-stable',
        'custom',
      ]),
      description: 'Built-in type, or custom (the default when query is given).',
    }),
    name: field({
      kind: nameKind(CHECK_NAME),
      description: 'Unique name.',
      defaultText: 'for built-ins, the type',
    }),
    query: field({
      kind: TEXT,
      description:
        'Custom PromQL; variables {{service}} {{namespace}} {{workload}} {{stableWorkload}} {{slot}} {{candidate}} {{stable}} {{window}}.',
    }),
    min: field({ kind: NUMBER, description: 'Lowest passing value.' }),
    max: field({ kind: NUMBER, description: 'Highest passing value.' }),
    maxDegradation: field({
      kind: NUMBER,
      description:
        '*-vs-stable, threshold: how far the candidate may be worse than the stable slot (pp, ms).',
    }),
    analysis: field({
      kind: choiceKind(['threshold', 'sequential']),
      description: 'How this check decides.',
      defaultText: 'checks.analysis (custom: threshold)',
    }),
    tolerance: field({
      kind: NUMBER,
      description: '*-vs-stable, sequential: tolerated ratio of the rates.',
      defaultText: 'checks.tolerance',
    }),
    margin: field({
      kind: NUMBER,
      description: '*-vs-stable, sequential: promote early below this ratio.',
      defaultText: 'checks.margin',
    }),
    slowerThan: field({
      kind: NUMBER,
      description: 'latency-vs-stable, sequential: slow above this many ms (a bucket edge).',
      defaultText: "the stable slot's p99 edge",
    }),
  },
);

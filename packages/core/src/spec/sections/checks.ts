/**
 * `checks:` the Prometheus checks evaluated while baking, and how their results decide:
 * interval, window, the limits of failed and inconclusive evaluations. Built-in checks and
 * custom queries resolve to one shape, a query template with bounds.
 */
import { builtinCheckType, DEFAULT_CHECK_TYPES, type CheckType } from '../check-types.js';
import { parseDuration } from '../duration.js';
import {
  choiceKind,
  DURATION,
  field,
  group,
  list,
  nameKind,
  NUMBER,
  TEXT,
  wholeKind,
} from '../field-declaration.js';
import { CHECK_NAME } from '../kubernetes-names.js';

/** Prometheus checks and how their results decide. */
export interface ChecksSpec {
  /** Time between evaluations. Undefined: `10s`. At most `window`. */
  interval?: string | undefined;
  /** Range each query covers (`{{window}}`). Undefined: `1m`. At least 2 × `scrapeInterval`. */
  window?: string | undefined;
  /** Prometheus scrape interval assumed by the window rule. Undefined: `15s`. */
  scrapeInterval?: string | undefined;
  /** Consecutive failed evaluations that roll back. Undefined: 2. */
  failureLimit?: number | undefined;
  /** Consecutive inconclusive evaluations (no or too little data) that roll back. Undefined: 3. */
  inconclusiveLimit?: number | undefined;
  /** Fewer candidate requests in the window make an evaluation inconclusive. Undefined: 20. */
  minRequests?: number | undefined;
  /**
   * The checks. Undefined: `success-rate` (min 99) and `latency-p99` (max 500). An empty
   * list disables metric checks: bakes only wait.
   */
  items?: CheckSpec[] | undefined;
}

/** One check: a built-in type with an optional threshold, or a custom query. */
export type CheckSpec =
  SuccessRateCheckSpec | LatencyP99CheckSpec | SuccessRateVsStableCheckSpec | CustomCheckSpec;

/** Percent of candidate requests not answered with a 5xx nor, for gRPC, a non-OK status. */
export interface SuccessRateCheckSpec {
  /** `success-rate`. */
  type: 'success-rate';
  /** Name shown in events and the release record; unique among the checks. Undefined: the type. */
  name?: string | undefined;
  /** Not for built-ins. */
  query?: undefined;
  /** Lowest passing percent, 0..100. Undefined: 99. */
  min?: number | undefined;
  /** Not for `success-rate` (use `min`). */
  max?: undefined;
  /** Not for `success-rate`. */
  maxDegradation?: undefined;
}

/** p99 request duration of the candidate, in milliseconds. */
export interface LatencyP99CheckSpec {
  /** `latency-p99`. */
  type: 'latency-p99';
  /** Name shown in events and the release record; unique among the checks. Undefined: the type. */
  name?: string | undefined;
  /** Not for built-ins. */
  query?: undefined;
  /** Not for `latency-p99` (use `max`). */
  min?: undefined;
  /** Highest passing p99 in milliseconds. Undefined: 500. */
  max?: number | undefined;
  /** Not for `latency-p99`. */
  maxDegradation?: undefined;
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
  /** Percentage points the candidate's error rate may exceed the stable one's, 0..100. Undefined: 1. */
  maxDegradation?: number | undefined;
}

/** A PromQL query of your own, compared with `min` and/or `max`. */
export interface CustomCheckSpec {
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
}

const check = group(
  'A check: a built-in type with a threshold, or a custom query with min and/or max.',
  {
    type: field({
      kind: choiceKind(['success-rate', 'latency-p99', 'success-rate-vs-stable', 'custom']),
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
        'success-rate-vs-stable: percentage points the error rate may exceed the stable one.',
    }),
  },
);

/** The fields of `checks`. */
export const CHECKS_FIELDS = group('Prometheus checks evaluated while baking.', {
  interval: field({
    kind: DURATION,
    description: 'Time between evaluations.',
    default: '10s',
    flags: [{ name: 'check-interval' }],
  }),
  window: field({
    kind: DURATION,
    description: 'Range each query covers.',
    default: '1m',
    flags: [{ name: 'window' }],
  }),
  scrapeInterval: field({
    kind: DURATION,
    description: 'Prometheus scrape interval; the window must cover two.',
    default: '15s',
    flags: [{ name: 'scrape-interval' }],
  }),
  failureLimit: field({
    kind: wholeKind(1),
    description: 'Consecutive failed evaluations that roll back.',
    default: 2,
    flags: [{ name: 'failure-limit' }],
  }),
  inconclusiveLimit: field({
    kind: wholeKind(1),
    description: 'Consecutive inconclusive evaluations that roll back.',
    default: 3,
    flags: [{ name: 'inconclusive-limit' }],
  }),
  minRequests: field({
    kind: wholeKind(0),
    description: 'Fewer candidate requests in the window: inconclusive.',
    default: 20,
    flags: [{ name: 'min-requests' }],
  }),
  items: list(check, {
    description: 'The checks; [] disables checks.',
    defaultText: 'success-rate and latency-p99',
    flags: [
      {
        name: 'check',
        value: 'TYPE[>=|<=N]',
        parsed: true,
        help: 'a check, repeatable, replacing the defaults: success-rate>=99, latency-p99<=500, success-rate-vs-stable<=1',
      },
    ],
  }),
});

/** Prometheus checks. */
export interface ResolvedChecks {
  /** Time between evaluations, in milliseconds. */
  readonly intervalMs: number;
  /** Range each query covers, in milliseconds (`{{window}}`). */
  readonly windowMs: number;
  /** Assumed Prometheus scrape interval, in milliseconds. */
  readonly scrapeIntervalMs: number;
  /** Consecutive failed evaluations that roll back. */
  readonly failureLimit: number;
  /** Consecutive inconclusive evaluations that roll back. */
  readonly inconclusiveLimit: number;
  /** Fewer candidate requests in the window make an evaluation inconclusive. */
  readonly minRequests: number;
  /** The checks; empty when metric checks are disabled. Names are unique. */
  readonly items: readonly ResolvedCheck[];
}

/** One check, built-in or custom, in one shape: a query template and bounds. */
export interface ResolvedCheck {
  /** Unique name. */
  readonly name: string;
  /** Type it came from. */
  readonly type: CheckType;
  /**
   * PromQL template using `{{service}}`, `{{namespace}}`, `{{workload}}`,
   * `{{stableWorkload}}`, `{{slot}}`, `{{window}}`; render it with `renderCheckQuery`.
   */
  readonly query: string;
  /** Lowest passing value; undefined: no lower bound. */
  readonly min: number | undefined;
  /** Highest passing value; undefined: no upper bound. */
  readonly max: number | undefined;
  /** Unit of the value for display (`%`, `ms`, `pp`), `''` for custom checks. */
  readonly unit: string;
}

function resolveCheck(spec: CheckSpec): ResolvedCheck {
  const builtin = builtinCheckType(spec.type);
  if (builtin) {
    const threshold =
      (spec as Partial<Record<typeof builtin.thresholdField, number>>)[builtin.thresholdField] ??
      builtin.defaultThreshold;
    return {
      name: spec.name ?? builtin.type,
      type: builtin.type,
      query: builtin.query,
      min: builtin.bound === 'min' ? threshold : undefined,
      max: builtin.bound === 'max' ? threshold : undefined,
      unit: builtin.unit,
    };
  }
  // Not a built-in, so custom: validation required its name and query.
  const custom = spec as Extract<CheckSpec, { query: string }>;
  return {
    name: custom.name,
    type: 'custom',
    query: custom.query,
    min: custom.min,
    max: custom.max,
    unit: '',
  };
}

/** `checks` with its defaults, durations in milliseconds, every check in one shape. */
export function resolveChecks(checks: ChecksSpec | undefined): ResolvedChecks {
  const { fields } = CHECKS_FIELDS;
  return {
    intervalMs: parseDuration(checks?.interval ?? fields.interval.default),
    windowMs: parseDuration(checks?.window ?? fields.window.default),
    scrapeIntervalMs: parseDuration(checks?.scrapeInterval ?? fields.scrapeInterval.default),
    failureLimit: checks?.failureLimit ?? fields.failureLimit.default,
    inconclusiveLimit: checks?.inconclusiveLimit ?? fields.inconclusiveLimit.default,
    minRequests: checks?.minRequests ?? fields.minRequests.default,
    items: (checks?.items ?? DEFAULT_CHECK_TYPES.map((type): CheckSpec => ({ type }))).map(
      resolveCheck,
    ),
  };
}

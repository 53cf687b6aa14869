/**
 * `checks:` the Prometheus checks evaluated while baking, and how their results decide:
 * interval, window, the limits of failed and inconclusive evaluations, and the analysis
 * (`threshold`: each evaluation's value against a bound; `sequential`: anytime-valid tests
 * over raw counts, docs/sequential-verdicts.md). Built-in checks and custom queries resolve
 * to one shape, a query template with bounds, plus the sequential test a check runs
 * (`sequential-tests.ts`).
 */
import { builtinCheckType, DEFAULT_CHECK_TYPES, type CheckType } from '../check-types.js';
import { parseDuration } from '../duration.js';
import {
  BOOLEAN,
  choiceKind,
  DURATION,
  field,
  group,
  list,
  NUMBER,
  wholeKind,
} from '../field-declaration.js';
import {
  resolveSequentialTest,
  sequentialCount,
  type ResolvedSequentialTest,
  type SequentialTestDefaults,
} from '../sequential-tests.js';
import { CHECK_ITEM_FIELDS, type CheckAnalysis, type CheckSpec } from './check-items.js';

export type {
  CheckAnalysis,
  CheckSpec,
  CustomCheckSpec,
  LatencyP99CheckSpec,
  LatencyVsStableCheckSpec,
  SuccessRateCheckSpec,
  SuccessRateVsStableCheckSpec,
} from './check-items.js';

/** What the bake does when its time is up and the sequential checks have not decided. */
export type BakeEndPolicy = 'proceed' | 'rollback' | 'pause';

/** Whose reports the sequential checks count: the callers' proxies or the servers'. */
export type CountingReporter = 'source' | 'destination';

/** Prometheus checks and how their results decide. */
export interface ChecksSpec {
  /** Time between evaluations. Undefined: `10s`. At most `window`. */
  interval?: string | undefined;
  /** Range each query covers (`{{window}}`). Undefined: `1m`. At least 2 × `scrapeInterval`. */
  window?: string | undefined;
  /** Prometheus scrape interval assumed by the window rule. Undefined: `15s`. */
  scrapeInterval?: string | undefined;
  /** Consecutive failed evaluations that roll back (threshold checks). Undefined: 2. */
  failureLimit?: number | undefined;
  /** Consecutive inconclusive evaluations (no or too little data) that roll back. Undefined: 3. */
  inconclusiveLimit?: number | undefined;
  /** Fewer candidate requests in the window make an evaluation inconclusive. Undefined: 20. */
  minRequests?: number | undefined;
  /**
   * How the built-in checks decide: `threshold` (each evaluation's value against its bound,
   * `failureLimit` failures in a row roll back) or `sequential` (anytime-valid tests over raw
   * request counts, rolling back the moment the evidence suffices; docs/sequential-verdicts.md).
   * Custom checks are always threshold checks. Undefined: `threshold`.
   */
  analysis?: CheckAnalysis | undefined;
  /**
   * Sequential checks: the chance of ever rolling back a canary that is no worse than
   * tolerated, for the whole release, split evenly across the sequential checks (0 < alpha < 1).
   * Undefined: 0.01.
   */
  alpha?: number | undefined;
  /**
   * Sequential checks: the chance of ever ending a step early while a check's canary is worse
   * than its margin (0 < beta < 1). Undefined: 0.05.
   */
  beta?: number | undefined;
  /**
   * Sequential comparisons: the ratio of the candidate's rate (of failed or slow requests) to
   * the stable slot's still tolerated; shown above it, the canary is rolled back. Undefined: 1.
   */
  tolerance?: number | undefined;
  /**
   * Sequential comparisons: a step may end early once the candidate's rate is shown below
   * this many times the stable's (above `tolerance`). Undefined: 2.
   */
  margin?: number | undefined;
  /**
   * End a bake early once every sequential check shows the candidate no worse than its
   * margin (and every threshold check passes), after `minBake`; the bake time becomes a
   * maximum. Undefined: false.
   */
  earlyPromotion?: boolean | undefined;
  /** With `earlyPromotion`: no bake ends before this (slow-burn faults). Undefined: `1m`. */
  minBake?: string | undefined;
  /**
   * When a bake's time is up and the sequential checks have not decided: `proceed` (as
   * threshold checks do: on once the latest evaluation passed), `rollback`, or `pause` (for
   * `promote`). Undefined: `proceed`.
   */
  bakeEnd?: BakeEndPolicy | undefined;
  /**
   * Sequential checks: whose reports they count. `source`: the callers' proxies, each reporting
   * pod a stratum of its own (both slots counted in the same scrape; requests from callers
   * outside the mesh are not seen). `destination`: the servers' proxies (every request the
   * slots served, but a failure shared by both slots can read as evidence while it starts or
   * stops). Undefined: `source`.
   */
  reporter?: CountingReporter | undefined;
  /**
   * The checks. Undefined: `success-rate` (min 99) and `latency-p99` (max 500). An empty
   * list disables metric checks: bakes only wait.
   */
  items?: CheckSpec[] | undefined;
}

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
  analysis: field({
    kind: choiceKind(['threshold', 'sequential']),
    description: 'How built-in checks decide: bounds per evaluation, or sequential tests.',
    default: 'threshold',
    flags: [{ name: 'analysis' }],
  }),
  alpha: field({
    kind: NUMBER,
    description: 'Sequential: chance of a false rollback per release, split across checks.',
    default: 0.01,
    flags: [{ name: 'alpha' }],
  }),
  beta: field({
    kind: NUMBER,
    description: 'Sequential: chance of an early promotion of a canary worse than its margin.',
    default: 0.05,
    flags: [{ name: 'beta' }],
  }),
  tolerance: field({
    kind: NUMBER,
    description: 'Sequential comparisons: tolerated ratio of candidate to stable rates.',
    default: 1,
    flags: [{ name: 'tolerance' }],
  }),
  margin: field({
    kind: NUMBER,
    description: 'Sequential comparisons: promote early once the ratio is shown below this.',
    default: 2,
    flags: [{ name: 'margin' }],
  }),
  earlyPromotion: field({
    kind: BOOLEAN,
    description: 'End a bake early once every sequential check shows the canary no worse.',
    default: false,
    flags: [{ name: 'early-promotion' }],
  }),
  minBake: field({
    kind: DURATION,
    description: 'With earlyPromotion: no bake ends before this.',
    default: '1m',
    flags: [{ name: 'min-bake' }],
  }),
  bakeEnd: field({
    kind: choiceKind(['proceed', 'rollback', 'pause']),
    description: 'When a bake ends and the sequential checks have not decided.',
    default: 'proceed',
    flags: [{ name: 'bake-end' }],
  }),
  reporter: field({
    kind: choiceKind(['source', 'destination']),
    description:
      "Sequential: count the callers' proxies' reports, or the servers' (through a waypoint: its own).",
    default: 'source',
    flags: [{ name: 'reporter' }],
  }),
  items: list(CHECK_ITEM_FIELDS, {
    description: 'The checks; [] disables checks.',
    defaultText: 'success-rate and latency-p99',
    flags: [
      {
        name: 'check',
        value: 'TYPE[>=|<=N]',
        parsed: true,
        help: 'a check, repeatable, replacing the defaults: success-rate>=99, latency-p99<=500, success-rate-vs-stable<=1, latency-vs-stable<=100',
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
  /** The release-wide chance of a false rollback by the sequential checks (split among them). */
  readonly alpha: number;
  /** The chance of an early promotion of a canary worse than a check's margin. */
  readonly beta: number;
  /** End bakes early once every sequential check says promote (after `minBakeMs`). */
  readonly earlyPromotion: boolean;
  /** With `earlyPromotion`: the shortest bake, in milliseconds. */
  readonly minBakeMs: number;
  /** What an undecided bake does when its time is up. */
  readonly bakeEnd: BakeEndPolicy;
  /** Whose reports the sequential checks count. */
  readonly reporter: CountingReporter;
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
  /** How it decides: its query against `min`/`max`, or its sequential test. */
  readonly analysis: CheckAnalysis;
  /** The sequential test it runs; undefined for threshold checks. */
  readonly sequential: ResolvedSequentialTest | undefined;
}

function resolveCheck(spec: CheckSpec, tests: SequentialTestDefaults): ResolvedCheck {
  const builtin = builtinCheckType(spec.type);
  if (builtin) {
    const threshold =
      (spec as Partial<Record<typeof builtin.thresholdField, number>>)[builtin.thresholdField] ??
      builtin.defaultThreshold;
    const analysis = spec.analysis ?? tests.analysis;
    return {
      name: spec.name ?? builtin.type,
      type: builtin.type,
      query: builtin.query,
      min: builtin.bound === 'min' ? threshold : undefined,
      max: builtin.bound === 'max' ? threshold : undefined,
      unit: builtin.unit,
      analysis,
      sequential:
        analysis === 'sequential'
          ? resolveSequentialTest(builtin, spec, threshold, tests)
          : undefined,
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
    analysis: 'threshold',
    sequential: undefined,
  };
}

/** `checks` with its defaults, durations in milliseconds, every check in one shape. */
export function resolveChecks(checks: ChecksSpec | undefined): ResolvedChecks {
  const { fields } = CHECKS_FIELDS;
  const items = checks?.items ?? DEFAULT_CHECK_TYPES.map((type): CheckSpec => ({ type }));
  const analysis = checks?.analysis ?? fields.analysis.default;
  const alpha = checks?.alpha ?? fields.alpha.default;
  const beta = checks?.beta ?? fields.beta.default;
  const tests: SequentialTestDefaults = {
    analysis,
    // Each sequential check may falsely roll back with chance alpha/k: at most alpha in all.
    alpha: alpha / Math.max(1, sequentialCount(items, analysis)),
    beta,
    tolerance: checks?.tolerance ?? fields.tolerance.default,
    margin: checks?.margin ?? fields.margin.default,
  };
  return {
    intervalMs: parseDuration(checks?.interval ?? fields.interval.default),
    windowMs: parseDuration(checks?.window ?? fields.window.default),
    scrapeIntervalMs: parseDuration(checks?.scrapeInterval ?? fields.scrapeInterval.default),
    failureLimit: checks?.failureLimit ?? fields.failureLimit.default,
    inconclusiveLimit: checks?.inconclusiveLimit ?? fields.inconclusiveLimit.default,
    minRequests: checks?.minRequests ?? fields.minRequests.default,
    alpha,
    beta,
    earlyPromotion: checks?.earlyPromotion ?? fields.earlyPromotion.default,
    minBakeMs: parseDuration(checks?.minBake ?? fields.minBake.default),
    bakeEnd: checks?.bakeEnd ?? fields.bakeEnd.default,
    reporter: checks?.reporter ?? fields.reporter.default,
    items: items.map((item) => resolveCheck(item, tests)),
  };
}

/**
 * What the release engine asks of metric checks: evaluate every threshold check once
 * against the candidate, and read the raw counter samples the sequential checks count.
 * `PrometheusChecks` implements it; unit tests pass a scripted fake.
 */
import type { CounterSeries } from '../analysis/counter-increments.js';
import type { CheckEvidence } from '../errors.js';
import type { CheckType } from '../spec/check-types.js';
import type { ResolvedCheck } from '../spec/resolved-release-spec.js';
import type { RateBoundEvidence } from '../analysis/rate-bound-test.js';
import type { RateRatioEvidence } from '../analysis/rate-ratio-evidence.js';
import type { SequentialVerdict } from '../analysis/sequential-verdict.js';

export type { CheckType };

/**
 * One metric check to evaluate against the candidate: a PromQL template and its bounds, as
 * the spec resolves it. Built-in checks arrive in the same shape (resolved to templates),
 * so every check is evaluated the same way.
 */
export type CheckDefinition = ResolvedCheck;

/** What the checks are about. All names are validated Kubernetes names. */
export interface CheckContext {
  /** Service name. */
  service: string;
  /** Namespace of the service and its workloads. */
  namespace: string;
  /** Candidate Deployment (`destination_workload`). */
  workload: string;
  /** Stable Deployment, for comparisons. */
  stableWorkload: string;
  /** Candidate slot name (`blue`/`green`). */
  slot: string;
  /** Label matchers of the candidate's requests (`{{candidate}}`, `RouteBackend.requestSelector`). */
  candidateSelector: string;
  /** Label matchers of the stable slot's requests (`{{stable}}`). */
  stableSelector: string;
  /** Evaluation window in milliseconds. */
  windowMs: number;
  /** Fewer requests than this to the candidate in the window makes a check inconclusive. */
  minRequests: number;
}

/** Result of one check evaluation. Only `pass` counts as a pass. */
export interface CheckResult extends CheckEvidence {
  /** PromQL that was sent (after template substitution), when one was. */
  query?: string | undefined;
  /** Lower bound applied. */
  min?: number | undefined;
  /** Upper bound applied. */
  max?: number | undefined;
  /** When it was evaluated (ms since epoch). */
  at: number;
  /** A sequential check's evidence (its test's statistics, bounds and counts); undefined for threshold checks. */
  sequential?: SequentialEvidence | undefined;
}

/** What a sequential check showed at one evaluation, as data. */
export type SequentialEvidence =
  | {
      /** Compared with the stable slot. */
      readonly kind: 'compare';
      /** What its test says now: `rollback`, `promote` or `continue`. */
      readonly verdict: SequentialVerdict;
      /** The latency edge counted as slow (ms); undefined when it counts failed requests. */
      readonly slowerThanMs: number | undefined;
      /** Both likelihood ratios with their thresholds, bounds on the ratio, the counts. */
      readonly evidence: RateRatioEvidence;
    }
  | {
      /** Against an absolute objective. */
      readonly kind: 'bound';
      /** What its test says now. */
      readonly verdict: SequentialVerdict;
      /** The latency edge counted as slow (ms); undefined when it counts failed requests. */
      readonly slowerThanMs: number | undefined;
      /** Both likelihood ratios with their thresholds, bounds on the rate, the counts. */
      readonly evidence: RateBoundEvidence;
    };

/** One read of raw counter samples of both slots (a range selector as an instant query). */
export interface CounterQuery {
  /** The counter: `istio_requests_total`, or a histogram's `..._bucket` series. */
  readonly metric: string;
  /** Label matchers of each slot's series. */
  readonly selectors: { readonly canary: string; readonly stable: string };
  /** How far back the range selector reaches, in milliseconds. */
  readonly rangeMs: number;
}

/** A counter series of one slot with its raw samples. */
export interface SlotCounterSeries extends CounterSeries {
  /** Whose series it is. */
  readonly slot: 'canary' | 'stable';
}

/** The samples read, or why they could not be. */
export type CounterReadResult =
  | {
      readonly ok: true;
      /** Every series of both slots with its raw samples. */
      readonly series: readonly SlotCounterSeries[];
    }
  | {
      readonly ok: false;
      /** Prometheus' answer or the failure, quoted. */
      readonly reason: string;
      /** The query that failed. */
      readonly query: string | undefined;
    };

/** Evaluates metric checks (Prometheus in production). */
export interface MetricsProvider {
  /**
   * Evaluates every check once. Never throws for a failing or unreachable Prometheus: each
   * check reports `error` with the reason instead, so one bad query cannot hide the others.
   */
  evaluate(
    checks: readonly CheckDefinition[],
    context: CheckContext,
    signal?: AbortSignal,
  ): Promise<CheckResult[]>;

  /**
   * Reads the raw samples of a counter for both slots: never `rate()` or `increase()`, whose
   * extrapolation would forge counts. Never throws for a failing or unreachable Prometheus:
   * the result says why instead.
   */
  readCounters(query: CounterQuery, signal?: AbortSignal): Promise<CounterReadResult>;
}

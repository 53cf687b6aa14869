/**
 * What the release engine asks of metric checks: evaluate every check once against the
 * candidate. `PrometheusChecks` implements it; unit tests pass a scripted fake.
 */
import type { CheckEvidence } from '../errors.js';
import type { CheckType } from '../spec/check-types.js';
import type { ResolvedCheck } from '../spec/resolved-release-spec.js';

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
}

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
}

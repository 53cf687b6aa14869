/**
 * The engine's view of the world. The release engine talks to Kubernetes, istiod, Envoy and
 * Prometheus only through these small interfaces, so unit tests drive it with fakes and a
 * fake clock, and end-to-end tests with the simulator. `gates/` and `kube/` implement them.
 */
import type { CheckEvidence, UnsyncedProxy } from '../errors.js';
import type { CheckType } from '../spec/check-types.js';

export type { CheckType };

/**
 * One metric check to evaluate against the candidate: a PromQL template and its bounds.
 * Built-in checks arrive in the same shape (the spec resolves them to templates), so every
 * check is evaluated the same way. `ResolvedCheck` from the spec satisfies it.
 */
export interface CheckDefinition {
  /** Unique name, shown in events and summaries. */
  readonly name: string;
  /** `success-rate`, `latency-p99`, `success-rate-vs-stable` or `custom`. */
  readonly type: CheckType;
  /** PromQL template using `{{service}}`, `{{namespace}}`, `{{workload}}`, `{{stableWorkload}}`, `{{slot}}`, `{{window}}`. */
  readonly query: string;
  /** Pass only when the value is >= min; undefined: no lower bound. */
  readonly min: number | undefined;
  /** Pass only when the value is <= max; undefined: no upper bound. */
  readonly max: number | undefined;
  /** Unit for display (`%`, `ms`, `pp`, `''`). */
  readonly unit: string;
}

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

/** Opaque proof of what proxies had before a change; only its time is public. */
export interface SyncSnapshot {
  /** When the snapshot was taken (ms since epoch). */
  readonly takenAt: number;
}

/** Progress of a sync wait, emitted on every poll. */
export interface SyncProgress {
  /** Proxies in scope that have the change. */
  synced: number;
  /** Proxies in scope. */
  total: number;
  /** Time since the wait started, in milliseconds. */
  elapsedMs: number;
  /** Proxies not synced yet, slowest (longest waiting) first. */
  pending: readonly UnsyncedProxy[];
}

/** A completed sync wait. */
export interface SyncReport {
  /** Proxies in scope that have the change. */
  synced: number;
  /** Proxies in scope. */
  total: number;
  /** When the wait started (ms since epoch). */
  startedAt: number;
  /** When the required ratio was first observed (ms since epoch). */
  completedAt: number;
  /** istiod replicas queried. */
  istiodReplicas: number;
}

/** Options of a sync wait. */
export interface SyncWaitOptions {
  /** Give up after this long (throwing SyncTimeoutError). */
  timeoutMs: number;
  /** Aborts the wait. */
  signal?: AbortSignal | undefined;
  /** Called after every poll. */
  onProgress?: ((progress: SyncProgress) => void) | undefined;
}

/** Waits until every proxy in scope has acked a route change (istiod `/debug/syncz`). */
export interface SyncGate {
  /** Records what every proxy has now; take it immediately before the change. */
  snapshot(signal?: AbortSignal): Promise<SyncSnapshot>;
  /**
   * Resolves once the required share of proxies had their routes pushed after the snapshot
   * and acked that push; throws SyncTimeoutError naming every proxy not synced.
   */
  waitForSync(snapshot: SyncSnapshot, options: SyncWaitOptions): Promise<SyncReport>;
  /**
   * A snapshot for a change accepted at `changeAcceptedAt` (ms since epoch) by an earlier
   * run that crashed before its sync gate finished: no new push will come, so a proxy
   * counts as synced when its route config is acked (sent == acked) and was pushed at or
   * after that time. No I/O.
   */
  since(changeAcceptedAt: number): SyncSnapshot;
  /** How many proxies in scope are SYNCED right now, and which are not (for `status`). */
  currentStatus(signal?: AbortSignal): Promise<SyncStatusSummary>;
}

/** Sync state of the proxies in scope right now, as `istioctl proxy-status` would judge it. */
export interface SyncStatusSummary {
  /** Proxies whose route config is SYNCED. */
  synced: number;
  /** Proxies in scope. */
  total: number;
  /** Proxies not SYNCED (NOT SENT, STALE, ERROR). */
  notSynced: readonly UnsyncedProxy[];
  /** istiod replicas answering. */
  istiodReplicas: number;
}

/** What Envoy should have for the service after a change. */
export interface DataplaneExpectation {
  /** Service FQDN, `reviews.bookinfo.svc.cluster.local`. */
  host: string;
  /** Service port of the route configuration, e.g. 9080. */
  port: number;
  /** Expected weight per subset on the managed route (zero weights are expected absent). */
  weights: Readonly<Record<string, number>>;
  /** Name of the managed route, when it has one (Envoy route name). */
  routeName?: string | undefined;
  /** The pre-release header route: expected present (to `subset`) or absent. */
  headerRoute: { name: string; present: boolean; subset?: string | undefined };
}

/** One proxy checked by the verifier. */
export interface DataplaneProxyCheck {
  /** Proxy id. */
  proxy: string;
  /** `sidecar` or `router`. */
  proxyType: string;
  /** Envoy's `version_info` of the route configuration inspected. */
  version: string;
}

/** Proves from Envoy's own config_dump that proxies have the expected routes. */
export interface DataplaneVerifier {
  /**
   * Checks up to `count` proxies (gateways first, then client sidecars). Throws
   * DataplaneMismatchError naming the first proxy whose routes differ.
   */
  verify(
    expectation: DataplaneExpectation,
    options: { count: number; signal?: AbortSignal | undefined },
  ): Promise<DataplaneProxyCheck[]>;
}

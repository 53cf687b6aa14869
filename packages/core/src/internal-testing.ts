/**
 * `@switchyard/core/internal-testing`: the internals the suites and benchmarks under
 * `test/` drive directly (the Kubernetes client, the Lease lock, the gates, the config_dump
 * and syncz readers, the sequential statistics) because what they test or measure is that
 * part itself. Not an API: the package's `files` leave it out, so an installed
 * `@switchyard/core` does not have it, and it changes with core. A name belongs here only
 * when a test cannot say the same through the public index (`index.ts`) or
 * `@switchyard/core/errors`.
 */
export { KubeClient } from './kube/kube-client.js';
export { loadKubeconfig } from './kube/kubeconfig.js';
export {
  fetchViaPortForward,
  getJsonViaPortForward,
  KubePortForwarder,
  openPortForward,
} from './kube/port-forward.js';
export type { RetryOptions } from './kube/retry.js';
export type { Deployment, Lease } from './kube/kube-types.js';
export { buildEvent } from './kube/kube-events.js';
export { rolloutStatus } from './kube/deployment-rollout.js';
export type { JsonPatchOperation } from './json-diff/json-patch-operation.js';

export { systemClock } from './release/clock.js';
export { FakeClock } from './release/fake-clock.js';
export { LeaseLock, microTime } from './release/lease-lock.js';
export type { LockHandle } from './release/lease-lock.js';
export { STATE_ANNOTATION } from './release/state-record.js';

export { IstiodSyncGate } from './gates/istiod-sync-gate.js';
export { IstiodPortForwardSource } from './gates/istiod-port-forward-source.js';
export type { ProxyScope, SyncProgress } from './gates/sync-gate.js';
export { mergeReplicas, parseSyncz } from './gates/syncz-status.js';
export { baselineCriterion, evaluateSync, pendingState } from './gates/sync-evaluation.js';
export type { ProxyRouteStatus } from './gates/syncz-status.js';
export { EnvoyDataplaneVerifier } from './gates/envoy-dataplane-verifier.js';
export type { DataplaneExpectation } from './gates/dataplane-verifier.js';
export { inspectRoutes, parseRouteConfigDump } from './gates/envoy-route-dump.js';
export { envoyRouteReader } from './gates/envoy-route-reader.js';
export { PrometheusChecks } from './gates/prometheus-checks.js';
export { createPrometheusClient } from './gates/prometheus-client.js';
export type { CheckContext, CheckDefinition } from './gates/metrics-provider.js';
export { BUILTIN_CHECK_TYPES, CANDIDATE_REQUEST_COUNT_QUERY } from './spec/check-types.js';
export { renderCheckQuery, type CheckQueryVariables } from './spec/check-query.js';
export { resolveReleaseSpec } from './spec/resolve-release-spec.js';
export type { ResolvedPrometheus } from './spec/resolved-release-spec.js';

export { clopperPearsonUpper } from './analysis/clopper-pearson.js';
export { logGamma } from './analysis/log-gamma.js';
export {
  DEFAULT_RATE_RATIO_SETTINGS,
  judgeWithoutStableTraffic,
  promotionLogRatio,
  startRateRatioTest,
  updateRateRatioTest,
} from './analysis/rate-ratio-test.js';
export { rateRatioVerdict } from './analysis/rate-ratio-evidence.js';
export { readCounterIncrements, START_COUNTERS } from './analysis/counter-increments.js';
export { NO_PENDING_STRATA, pairStrata } from './analysis/paired-strata.js';
export { isFailedRequest, slotByWorkload } from './analysis/request-outcome.js';
export { requestCounts, slotIncrements } from './analysis/slot-increments.js';

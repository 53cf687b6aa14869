export {
  AbortedError,
  ChecksFailedError,
  ConcurrentEditError,
  ConfigRejectedError,
  DataplaneMismatchError,
  describeRef,
  InvalidStateError,
  isSwitchyardError,
  IstiodUnavailableError,
  KubeApiError,
  KubeconfigError,
  LockHeldError,
  LockLostError,
  NoReadyPodsError,
  PortForwardError,
  PreflightError,
  PreflightFailedError,
  PrometheusError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  RolloutFailedError,
  RolloutTimeoutError,
  RouteRefusedError,
  SpecError,
  StateRecordError,
  SwitchyardError,
  SyncTimeoutError,
  UsageError,
} from './errors.js';
export type {
  CheckEvidence,
  ObjectRef,
  PreflightFinding,
  ProxySyncState,
  RollbackReason,
  RouteRefusalReason,
  SwitchyardErrorCode,
  UnsyncedProxy,
  ValidationIssue,
} from './errors.js';
export type {
  Destination,
  DestinationRule,
  DestinationRuleSpec,
  Gateway,
  GatewayServer,
  HttpMatchRequest,
  HttpMirrorPolicy,
  HttpRoute,
  HttpRouteDestination,
  ObjectMeta,
  PeerAuthentication,
  PeerAuthenticationMode,
  Percent,
  PortSelector,
  ServiceEntry,
  StringMatch,
  Subset,
  VirtualService,
  VirtualServiceSpec,
} from './istio/types.js';
export { systemClock } from './release/clock.js';
export type { Clock } from './release/clock.js';
export { defaultHolderIdentity } from './release/holder-identity.js';
export { LeaseLock, leaseExpiry, leaseName, microTime } from './release/lease-lock.js';
export type { LeaseApi, LeaseLockOptions, LeaseObject, LockHandle } from './release/lease-lock.js';
export {
  decodeRecord,
  encodeRecord,
  HISTORY_LIMIT,
  initialRecord,
  otherSlot,
  RECORD_SIZE_LIMIT,
  sameWeights,
  STATE_ANNOTATION,
  STATE_RECORD_VERSION,
  withHistory,
} from './release/state-record.js';
export type {
  CheckSummary,
  HistoryEntry,
  OperationRecord,
  ReleasePhase,
  ReleaseRecord,
  ReleaseStep,
  Slot,
  SlotWeights,
  StepStage,
} from './release/state-record.js';
export type {
  CheckContext,
  CheckDefinition,
  CheckResult,
  CheckType,
  MetricsProvider,
} from './gates/metrics-provider.js';
export type {
  DataplaneExpectation,
  DataplaneProxyCheck,
  DataplaneVerifier,
} from './gates/dataplane-verifier.js';
export type {
  SyncGate,
  SyncProgress,
  SyncReport,
  SyncSnapshot,
  SyncStatusSummary,
  SyncWaitOptions,
} from './gates/sync-gate.js';
export { DEFAULT_CLUSTER_DOMAIN, resolveHost } from './istio/host-name.js';
export {
  prereleaseRouteName,
  serviceHostOf,
  slotOfSubset,
  slotSubsetsOf,
  SLOTS,
} from './istio/route-target.js';
export type { RouteTarget, SlotSubsets } from './istio/route-target.js';
export { findManagedRoutes } from './istio/managed-routes.js';
export type { ManagedRoute, ManagedRouteSet } from './istio/managed-routes.js';
export { readSlotWeights, setSlotWeights, validateSlotWeights } from './istio/slot-weights.js';
export {
  findPrereleaseRoute,
  removePrereleaseRoute,
  setPrereleaseRoute,
  validateHeaderConditions,
} from './istio/prerelease-route.js';
export type { FoundPrereleaseRoute, PrereleaseRouteOptions } from './istio/prerelease-route.js';
export { removeMirror, setMirror } from './istio/candidate-mirror.js';
export type { MirrorOptions } from './istio/candidate-mirror.js';
export {
  ensureSlotSubsets,
  listSubsetReferences,
  removeSubset,
  slotSubsetLabelsFor,
} from './istio/slot-subsets.js';
export type { SlotSubsetLabels, SubsetReference } from './istio/slot-subsets.js';
export { planRouteChanges } from './istio/route-plan.js';
export type {
  ObjectChange,
  PlannedChange,
  PlannedChangePhase,
  PlannedObject,
  RoutePlanInput,
} from './istio/route-plan.js';
export { createPinnedJsonPatch } from './json-diff/json-patch-diff.js';
export type { JsonPatchOperation } from './json-diff/json-patch-operation.js';
export { applyJsonPatch } from './json-diff/json-patch-apply.js';
export type { JsonPatchFailureReason, JsonPatchResult } from './json-diff/json-patch-apply.js';
export { renderUnifiedDiff } from './json-diff/unified-diff.js';
export type { UnifiedDiffOptions } from './json-diff/unified-diff.js';
export { RELEASE_SPEC_API_VERSION, RELEASE_SPEC_KIND } from './spec/api-version.js';
export {
  CHECK_TEMPLATE_VARIABLES,
  checkTemplateProblems,
  renderCheckQuery,
} from './spec/check-query.js';
export type { CheckQueryVariables, CheckTemplateVariable } from './spec/check-query.js';
export {
  BUILTIN_CHECK_TYPES,
  builtinCheckType,
  CANDIDATE_REQUEST_COUNT_QUERY,
  DEFAULT_CHECK_TYPES,
} from './spec/check-types.js';
export type {
  BuiltinCheckDefinition,
  BuiltinCheckType,
  ThresholdField,
} from './spec/check-types.js';
export { formatDuration, parseDuration } from './spec/duration.js';
export { releaseSpecJsonSchema } from './spec/json-schema.js';
export { parseReleaseSpec, parseReleaseSpecOrThrow } from './spec/parse-release-spec.js';
export { NOTIFICATION_EVENTS } from './spec/sections/notify.js';
export type {
  NotificationEvent,
  NotificationFormat,
  NotifyTargetSpec,
} from './spec/sections/notify.js';
export type { ParseReleaseSpecOptions } from './spec/parse-release-spec.js';
export type {
  BakeStepSpec,
  BasicAuthSpec,
  ChecksSpec,
  CheckSpec,
  CustomCheckSpec,
  DeepPartial,
  DeploySpec,
  ExactHeaderMatchSpec,
  HeaderMatchSpec,
  IstiodSpec,
  LatencyP99CheckSpec,
  LockSpec,
  MirrorStepSpec,
  PauseStepSpec,
  PreflightSpec,
  PrefixHeaderMatchSpec,
  PreReleaseSpec,
  PrometheusSpec,
  RegexHeaderMatchSpec,
  ReleaseSpec,
  ReleaseSpecOverrides,
  ResumePolicy,
  RollbackSpec,
  SlotSpec,
  SlotsSpec,
  StepSpec,
  StrategySpec,
  StrategyType,
  SuccessRateCheckSpec,
  SuccessRateVsStableCheckSpec,
  SyncScopeSpec,
  SyncSpec,
  TargetSpec,
  WeightStepSpec,
} from './spec/release-spec.js';
export {
  resolveReleaseSpec,
  resolveReleaseSpecYaml,
  safeResolveReleaseSpec,
  safeResolveReleaseSpecYaml,
} from './spec/resolve-release-spec.js';
export type { ResolveReleaseSpecOptions } from './spec/resolve-release-spec.js';
export type {
  CredentialSource,
  NotifyUrlSource,
  PrometheusAuth,
  PrometheusEndpoint,
  ResolvedCheck,
  ResolvedChecks,
  ResolvedDeploy,
  ResolvedIstiod,
  ResolvedLock,
  ResolvedPreflight,
  ResolvedNotifyTarget,
  ResolvedPreRelease,
  ResolvedPrometheus,
  ResolvedReleaseSpec,
  ResolvedRollback,
  ResolvedSlot,
  ResolvedStrategy,
  ResolvedSync,
  ResolvedSyncScope,
  ResolvedTarget,
} from './spec/resolved-release-spec.js';
export { SPEC_DEFAULTS } from './spec/spec-defaults.js';
export { validateReleaseSpec, validateReleaseSpecOrThrow } from './spec/validate-release-spec.js';
export type { SpecResult } from './spec/validate-release-spec.js';
export { loadKubeconfig, SERVICE_ACCOUNT_DIR } from './kube/kubeconfig.js';
export type {
  KubeconfigSource,
  LoadedKubeconfig,
  LoadKubeconfigOptions,
} from './kube/kubeconfig.js';
export { KubeClient } from './kube/kube-client.js';
export type { KubeClientOptions } from './kube/kube-client.js';
export type {
  DeploymentApi,
  EventRecorder,
  LeaseStore,
  ObjectReader,
  PodLister,
  RouteObjectApi,
  ServiceReader,
} from './kube/resource-apis.js';
export { DEFAULT_RETRY } from './kube/retry.js';
export type { RetryEvent, RetryOptions } from './kube/retry.js';
export type { KubeRequest, KubeTransport } from './kube/kube-transport.js';
export { isPodReady } from './kube/pod-readiness.js';
export type { IstioNetworkingVersion } from './kube/istio-api-version.js';
export { buildEvent, EVENT_COMPONENT } from './kube/kube-events.js';
export type { EventRecord } from './kube/kube-events.js';
export { rolloutStatus } from './kube/deployment-rollout.js';
export { REQUIRED_PERMISSIONS } from './kube/required-permissions.js';
export type { PermissionScope, RequiredPermission } from './kube/required-permissions.js';
export type { RolloutStatus } from './kube/deployment-rollout.js';
export {
  fetchViaPortForward,
  getJsonViaPortForward,
  KubePortForwarder,
  openPortForward,
} from './kube/port-forward.js';
export type {
  ForwardedPort,
  ForwardedRequestOptions,
  ForwardedResponse,
  OneShotOptions,
  OpenPortForwardOptions,
  PortForwarder,
  PortForwardTarget,
} from './kube/port-forward.js';
export { redactSecrets } from './kube/redact-secrets.js';
export { isJsonPatchRetrySafe, jsonPatchApplied } from './kube/write-recovery.js';
export type {
  CallOptions,
  Condition,
  Container,
  ContainerPort,
  Deployment,
  DeploymentSpec,
  DeploymentStatus,
  KubeEvent,
  KubeObject,
  LabelSelector,
  Lease,
  LeaseSpec,
  ListOptions,
  ObjectReference,
  PatchType,
  Pod,
  PodSpec,
  PodStatus,
  PodTemplateSpec,
  Service,
  ServicePort,
  ServiceSpec,
  WriteOptions,
} from './kube/kube-types.js';
export type {
  ClusterApis,
  OperationDependencies,
  OperationOptions,
} from './release/operation-dependencies.js';
export { deployCandidate } from './release/deploy.js';
export type { DeployOptions } from './release/deploy.js';
export { releaseCandidate } from './release/release.js';
export { promoteRelease } from './release/promote.js';
export type { PromoteOptions } from './release/promote.js';
export { rollbackRelease } from './release/rollback.js';
export { describeStatus, releaseStatus } from './release/status.js';
export type { StatusReport } from './release/status.js';
export { readStatusFacts } from './release/status-facts.js';
export type { SlotStatus, StatusFacts, StatusOptions } from './release/status-facts.js';
export { planOperation } from './release/plan.js';
export type { PlannedObjectChange, PlanOptions, PlanReport } from './release/plan.js';
export type { ReleaseObjects } from './release/release-objects.js';
export {
  describeCheck,
  describeEvent,
  describeStep,
  describeWeights,
} from './release/describe-event.js';
export type {
  BakeStartedEvent,
  ChecksEvaluatedEvent,
  DataplaneVerifiedEvent,
  DeploymentChangedEvent,
  OperationFinishedEvent,
  OperationKind,
  OperationOutcome,
  OperationStartedEvent,
  OperationSummary,
  PausedEvent,
  PhaseChangedEvent,
  ReleaseEvent,
  RollbackCompletedEvent,
  RollbackStartedEvent,
  RollbackSummary,
  RolloutProgressEvent,
  RoutesAppliedEvent,
  StepStartedEvent,
  SyncCompletedEvent,
  SyncProgressEvent,
  SyncStartedEvent,
  TimelineEntry,
  WarningEvent,
} from './release/release-events.js';
export {
  deploy,
  doctor,
  plan,
  promote,
  release,
  resolveOperationSpec,
  rollback,
  RUNTIME_OPTION_KEYS,
  status,
} from './switchyard.js';
export type {
  ConnectionOptions,
  OperationInput,
  RuntimeOptions,
  StatusInput,
} from './switchyard.js';
export { createGates } from './gates/create-gates.js';
export type { GateDependencies, Gates } from './gates/create-gates.js';
export { IstiodSyncGate } from './gates/istiod-sync-gate.js';
export type { IstiodSyncGateOptions } from './gates/istiod-sync-gate.js';
export {
  IstiodPortForwardSource,
  ISTIOD_MONITORING_PORT,
} from './gates/istiod-port-forward-source.js';
export type { IstiodPortForwardSourceOptions } from './gates/istiod-port-forward-source.js';
export { IstiodUrlSource } from './gates/istiod-url-source.js';
export type { IstiodUrlSourceOptions } from './gates/istiod-url-source.js';
export type { SynczPoll, SynczReplicaAnswer, SynczSource } from './gates/syncz-source.js';
export { mergeReplicas, parseSyncz, xdsState } from './gates/syncz-status.js';
export type { ProxyRouteStatus, XdsTypeName, XdsTypeStatus } from './gates/syncz-status.js';
export {
  ENVOY_DEFAULT_MAX_REQUEST_HEADERS_KB,
  headerLimitOf,
  parseHttpConnectionManagers,
} from './gates/envoy-listener-dump.js';
export type { HeaderLimitRole, HttpConnectionManagerDump } from './gates/envoy-listener-dump.js';
export { SINCE_TOLERANCE_MS } from './gates/sync-evaluation.js';
export { EnvoyDataplaneVerifier, ENVOY_ADMIN_PORT } from './gates/envoy-dataplane-verifier.js';
export type { EnvoyDataplaneVerifierOptions } from './gates/envoy-dataplane-verifier.js';
export { inspectRoutes, parseRouteConfigDump } from './gates/envoy-route-dump.js';
export type { ObservedRoutes, RouteInspection } from './gates/envoy-route-dump.js';
export { createPrometheusClient, PrometheusClient } from './gates/prometheus-client.js';
export type {
  InstantQueryResult,
  PrometheusClientOptions,
  PrometheusSample,
} from './gates/prometheus-client.js';
export { PrometheusChecks } from './gates/prometheus-checks.js';
export type { PrometheusChecksOptions } from './gates/prometheus-checks.js';
export { isPreflightCheckId, PREFLIGHT_CHECK_IDS } from './preflight/check-ids.js';
export type { PreflightCheckId } from './preflight/check-ids.js';
export { describeFindingTarget, SEVERITIES } from './preflight/finding.js';
export type {
  Finding,
  FindingSeverity,
  PreflightReport,
  SkippedCheck,
} from './preflight/finding.js';
export { PREFLIGHT_CHECKS } from './preflight/preflight-checks.js';
export type { PreflightCheck } from './preflight/preflight-check.js';
export type {
  EnvoyFacts,
  EnvoyHeaderLimit,
  Fact,
  FactName,
  PreflightContext,
  PreflightOperation,
  PrometheusFacts,
  ProxySyncFacts,
} from './preflight/preflight-context.js';
export { skipMessage } from './preflight/preflight.js';
export { Notifier, NOTIFY_FLUSH_TIMEOUT_MS } from './notify/notifier.js';
export type { NotifierOptions } from './notify/notifier.js';
export { DEFAULT_DELIVERY_POLICY } from './notify/delivery-queue.js';
export type { DeliveryPolicy, DeliveryReport } from './notify/delivery-queue.js';
export type { OperationEnding } from './notify/lifecycle-notifications.js';
export { NOTIFICATION_VERSION } from './notify/notification.js';
export type {
  FinishedNotification,
  LifecycleNotification,
  NotificationBase,
  NotifiedOutcome,
  PausedNotification,
  PromotedNotification,
  RolledBackNotification,
  StartedNotification,
  StepNotification,
} from './notify/notification.js';
export { slackText } from './notify/notification-text.js';
export type {
  WebhookAnswer,
  WebhookRequest,
  WebhookTransport,
} from './notify/webhook-transport.js';

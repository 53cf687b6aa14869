export { ObjectStore, StoreError } from './store/object-store.js';
export type {
  DeleteOptions,
  KubeObject,
  KubeObjectInput,
  StoreEvent,
  StoreEventType,
  StoredMeta,
  UpdateOptions,
  WriteOptions,
} from './store/object-store.js';
export {
  apiVersionOf,
  builtinResourceTypes,
  parseApiVersion,
  qualifiedResource,
  ResourceRegistry,
  resourceKey,
  resourceTypeFromCrd,
} from './store/resource-types.js';
export type { ResourceType } from './store/resource-types.js';
export { createDuplexPair, PodNetwork } from './net/pod-network.js';
export type { PodAddress, PodPortPredicate, PodRequestHandler } from './net/pod-network.js';
export { scenarioSchema } from './scenario/scenario-schema.js';
export type {
  ApiFault,
  Behaviour,
  ClientSpec,
  Latency,
  ProxyOverride,
  Scenario,
  ScenarioInput,
} from './scenario/scenario-schema.js';
export type {
  ClusterConfig,
  ClusterEndpoint,
  EnvoyRoute,
  EnvoyRouteConfiguration,
  EnvoyVirtualHost,
  MeshView,
  ProxyConfigSnapshot,
  ProxyType,
  ProxyView,
} from './mesh/mesh-types.js';
export { peekObject, simulatorRegistry, startSimulator } from './simulator.js';
export type { Simulator, StartSimulatorOptions } from './simulator.js';
export {
  defaultScenarioPath,
  formatIssuePath,
  loadScenarioFile,
  loadScenarioObject,
  parseScenario,
  readManifests,
  ScenarioError,
} from './scenario/load-scenario.js';
export type { LoadedScenario, ScenarioIssue } from './scenario/load-scenario.js';
export { ControlServer } from './control/control-server.js';
export type { SimulatorControls } from './control/control-server.js';
export { TrafficGenerator } from './traffic/traffic-generator.js';
export type {
  ClientTrafficStats,
  TrafficGeneratorOptions,
  TrafficThroughput,
} from './traffic/traffic-generator.js';
export { PASSTHROUGH_CLUSTER, routeRequest } from './traffic/route-request.js';
export type {
  HttpRequest,
  LocalReply,
  PassthroughRoute,
  RouteDecision,
  UpstreamRoute,
} from './traffic/route-request.js';
export { ISTIO_DEFAULT_RETRY_POLICY, parseRetryPolicy } from './traffic/retry-policy.js';
export type { RetryPolicy } from './traffic/retry-policy.js';
export { seededRandom } from './traffic/seeded-random.js';
export type { RandomSource } from './traffic/seeded-random.js';
export { IstioMetrics, ISTIO_DURATION_BUCKETS_MS } from './metrics/istio-metrics.js';
export type { IstioRequestSeries, MetricsSource } from './metrics/istio-metrics.js';
export type { IstioRequestLabels } from './metrics/istio-request-labels.js';
export { workloadMetadataOfPod, workloadNameOfPod } from './metrics/workload-metadata.js';
export type { MeshIdentitySettings, WorkloadMetadata } from './metrics/workload-metadata.js';
export { MetricsServer } from './metrics/metrics-server.js';
export type { MetricsServerOptions } from './metrics/metrics-server.js';
export { findPrometheusBinary, startPrometheus } from './prometheus/prometheus-process.js';
export type {
  PrometheusInstance,
  StartPrometheusOptions,
} from './prometheus/prometheus-process.js';
export { PrometheusNotFoundError, PrometheusStartError } from './prometheus/prometheus-errors.js';
export { CrdCatalog, ISTIO_CRDS_URL, loadIstioCrds } from './crd/crd-catalog.js';
export type { CrdVersion } from './crd/crd-catalog.js';
export { createIstioAdmission } from './crd/istio-admission.js';
export type {
  IstioAdmission,
  IstioAdmissionOptions,
  WebhookReview,
} from './crd/istio-admission.js';
export { ISTIO_WEBHOOK_NAME } from './crd/istio-webhook.js';
export { invalidMessage, strictDecodingMessage } from './crd/status-messages.js';
export type {
  Admission,
  AdmissionOperation,
  FieldProblem,
  FieldValidation,
  SchemaResult,
} from './store/admission.js';
export { IstioControlPlane } from './mesh/istio-control-plane.js';
export type { IstioControlPlaneOptions } from './mesh/istio-control-plane.js';
export {
  buildGatewayRouteConfigurations,
  buildSidecarRouteConfigurations,
} from './mesh/route-config.js';
export type {
  GatewayRouteInput,
  IstioHeaderMatcher,
  IstioMirrorPolicy,
  IstioRoute,
  IstioRouteAction,
  IstioRouteConfiguration,
  IstioRouteMatch,
  IstioVirtualHost,
  SidecarRouteInput,
} from './mesh/route-config.js';
export type { SimClusterConfig, SimClusterEndpoint } from './mesh/cluster-config.js';
export { arrivedOnLoopback } from './mesh/request-origin.js';
export type { LoopbackCheck } from './mesh/request-origin.js';
export { ISTIO_NAMESPACE, istiodPodLabels } from './mesh/istio-install.js';
export { istioConfigNeedsPush } from './mesh/istio-needs-push.js';
export {
  SIM_NODE_IP,
  SIM_NODE_NAME,
  WorkloadControllers,
} from './controllers/workload-controllers.js';
export type { WorkloadControllersOptions } from './controllers/workload-controllers.js';
export { defaultDeployment } from './controllers/deployment-defaults.js';
export { admitPodCreate } from './controllers/pod-admission.js';
export type { PodAdmissionContext } from './controllers/pod-admission.js';
export { deletePodGracefully } from './controllers/pod-termination.js';
export type { PodDeletionOptions, PodDeletionResult } from './controllers/pod-termination.js';
export {
  DEFAULT_ISTIO_VERSION,
  injectSidecar,
  sidecarInjectionRequired,
} from './controllers/sidecar-injector.js';
export type { PodInput, SidecarInjectionOptions } from './controllers/sidecar-injector.js';
export { ApiServer } from './api/api-server.js';
export type { ApiServerAddress, ApiServerOptions } from './api/api-server.js';
export { kubeconfigYaml, writeKubeconfig } from './api/kubeconfig.js';
export type { KubeconfigOptions } from './api/kubeconfig.js';
export { isViaApiServerProxy } from './api/pod-proxy.js';
export type { MutatingAdmission, MutationRequest } from './api/mutating-admission.js';
export { ApiStatusError } from './api/api-status.js';
export type { StatusBody, StatusCause, StatusDetails } from './api/api-status.js';

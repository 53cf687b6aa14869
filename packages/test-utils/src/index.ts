export { startApiRecorder } from './api-recorder.js';
export type { ApiRecorder, ApiRecorderOptions, RecordedRequest } from './api-recorder.js';
export {
  BAD_IMAGE,
  BOOKINFO_MANIFESTS,
  bookinfoClients,
  bookinfoIn,
  FAST_CHECKS,
  fastCheckFlags,
  GOOD_IMAGE,
} from './bookinfo.js';
export type { ManifestObject } from './bookinfo.js';
export type {
  Cluster,
  ClusterCapabilities,
  ClusterCapability,
  ClusterSnapshot,
  ClusterTier,
} from './cluster.js';
export { controlRequest } from './control-api.js';
export type {
  ApiFault,
  ImageBehaviour,
  Latency,
  ProxyOverride,
  TrafficClient,
} from './control-api.js';
export { tableCell, withGeneratedBlock } from './generated-markdown.js';
export { kubeReads } from './kube-reads.js';
export type { KubeReads } from './kube-reads.js';
export {
  configDump,
  sidecarPods,
  synced,
  synczAnswers,
  synczEntries,
  workloadPods,
} from './mesh-reads.js';
export type { SynczAnswer, SynczEntry } from './mesh-reads.js';
export { promQuery } from './prom-query.js';
export type { PromSample } from './prom-query.js';
export { waitForServiceRequests } from './prometheus-requests.js';
export {
  createRealNamespace,
  parseUpOutput,
  realClusterCapabilities,
  startRealCluster,
  stopRealCluster,
} from './real-cluster.js';
export type { RealClusterInfo, RealNamespaceOptions, RunningRealCluster } from './real-cluster.js';
export { CLI_BIN, jsonLines, runCli } from './run-cli.js';
export type { CliResult, RunCliOptions } from './run-cli.js';
export { runKubectl } from './run-kubectl.js';
export {
  fastScenario,
  SIMULATED_CLUSTER_CAPABILITIES,
  startSimulatedCluster,
} from './simulated-cluster.js';
export type { SimulatedCluster, StartSimulatedClusterOptions } from './simulated-cluster.js';
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';

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

/**
 * Narrow views of the Kubernetes client, one per need, so gates and the engine depend on
 * exactly what they use and unit tests can pass small fakes. KubeClient's members implement
 * them. (Port-forwarding has its own, `PortForwarder`, in `port-forward.ts`.)
 */
import type { JsonPatchOperation } from '../json-diff/json-patch-operation.js';
import type { RolloutStatus } from './deployment-rollout.js';
import type { EventRecord } from './kube-events.js';
import type {
  CallOptions,
  Deployment,
  KubeEvent,
  KubeObject,
  Lease,
  ListOptions,
  Pod,
  Service,
  WriteOptions,
} from './kube-types.js';

/** Lists pods (istiod replicas, a slot's pods). */
export interface PodLister {
  /** Pods in `namespace` matching the selectors. */
  list(namespace: string, options?: ListOptions): Promise<Pod[]>;
}

/** Reads Services (protocol preflight, selectors). */
export interface ServiceReader {
  /** The Service, or undefined when it does not exist. */
  get(namespace: string, name: string, options?: CallOptions): Promise<Service | undefined>;
}

/** Reads objects of one kind: one by name, those of a namespace, those of every namespace. */
export interface ObjectReader<T extends KubeObject> {
  /** The object, or undefined when it does not exist (`namespace` is ignored for cluster-scoped kinds). */
  get(namespace: string, name: string, options?: CallOptions): Promise<T | undefined>;
  /** Objects in `namespace` matching the selectors. */
  list(namespace: string, options?: ListOptions): Promise<T[]>;
  /** Objects in every namespace matching the selectors (needs cluster-wide `list`). */
  listAllNamespaces(options?: ListOptions): Promise<T[]>;
}

/** Reads and patches a VirtualService or DestinationRule kind. */
export interface RouteObjectApi<T extends KubeObject> {
  /** The object, or undefined when it does not exist. */
  get(namespace: string, name: string, options?: CallOptions): Promise<T | undefined>;
  /** Objects in `namespace` matching the selectors. */
  list(namespace: string, options?: ListOptions): Promise<T[]>;
  /** JSON Patch; a failed `test` op rejects with ConcurrentEditError and changes nothing. */
  patch(
    namespace: string,
    name: string,
    ops: readonly JsonPatchOperation[],
    options?: WriteOptions<T>,
  ): Promise<T>;
  /** JSON merge patch; with `metadata.resourceVersion` a stale version rejects with ConcurrentEditError. */
  mergePatch(
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    options?: WriteOptions<T>,
  ): Promise<T>;
}

/** Deployment access for the blue and green slots. */
export interface DeploymentApi {
  /** The Deployment, or undefined when it does not exist. */
  get(namespace: string, name: string, options?: CallOptions): Promise<Deployment | undefined>;
  /** Deployments in `namespace` matching the selectors. */
  list(namespace: string, options?: ListOptions): Promise<Deployment[]>;
  /** Creates it. */
  create(deployment: Deployment, options?: WriteOptions<Deployment>): Promise<Deployment>;
  /** Replaces it; with `metadata.resourceVersion` a stale version rejects with ConcurrentEditError. */
  replace(deployment: Deployment, options?: WriteOptions<Deployment>): Promise<Deployment>;
  /** JSON Patch. */
  patch(
    namespace: string,
    name: string,
    ops: readonly JsonPatchOperation[],
    options?: WriteOptions<Deployment>,
  ): Promise<Deployment>;
  /** Strategic merge patch (containers merge by name). */
  strategicMergePatch(
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    options?: WriteOptions<Deployment>,
  ): Promise<Deployment>;
  /** Rollout status read from the `status` subresource, or undefined when the Deployment does not exist. */
  rolloutStatus(
    namespace: string,
    name: string,
    options?: CallOptions,
  ): Promise<RolloutStatus | undefined>;
}

/** Lease access for the release lock (compatible with `release/lease-lock.ts`'s `LeaseApi`). */
export interface LeaseStore {
  /** The Lease, or undefined when it does not exist. */
  get(namespace: string, name: string, options?: CallOptions): Promise<Lease | undefined>;
  /** Creates it; rejects with KubeApiError of reason `AlreadyExists` when someone was first. */
  create(lease: Lease, options?: WriteOptions<Lease>): Promise<Lease>;
  /** Replaces it; rejects with ConcurrentEditError when `metadata.resourceVersion` is stale. */
  replace(lease: Lease, options?: WriteOptions<Lease>): Promise<Lease>;
}

/** Records Kubernetes Events. */
export interface EventRecorder {
  /** Creates an Event about `record.involvedObject`. */
  create(
    record: EventRecord,
    options?: Pick<WriteOptions<KubeEvent>, 'signal' | 'dryRun'>,
  ): Promise<KubeEvent>;
}

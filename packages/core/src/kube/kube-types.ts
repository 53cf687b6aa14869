/**
 * Kubernetes objects as plain JSON, typed only as far as switchyard reads them. Like the
 * Istio types, every interface keeps an index signature: a replace must send back the
 * fields switchyard does not know (newer API fields, other controllers' additions)
 * untouched. client-node's model classes are deliberately not used: their serializer drops
 * unknown fields and turns timestamps into `Date`s, which a read-modify-replace would lose.
 */
import type { ObjectMeta } from '../istio/types.js';

/** Any Kubernetes object. */
export interface KubeObject {
  /** `group/version`, or `v1` for the core group. */
  apiVersion: string;
  /** Kind, e.g. `Deployment`. */
  kind: string;
  /** Metadata. */
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** A status condition (Deployment, Pod). */
export interface Condition {
  /** Condition type, e.g. `Available`, `Progressing`, `Ready`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** Machine-readable reason, e.g. `ProgressDeadlineExceeded`. */
  reason?: string;
  /** Human-readable message. */
  message?: string;
  /** Last time the condition changed (RFC 3339). */
  lastTransitionTime?: string;
  /** Last time the condition was updated (RFC 3339; Deployments only). */
  lastUpdateTime?: string;
  [field: string]: unknown;
}

/** A label selector. */
export interface LabelSelector {
  /** Exact label matches. */
  matchLabels?: Record<string, string>;
  /** Set-based requirements. */
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
  [field: string]: unknown;
}

/** A container port. */
export interface ContainerPort {
  /** Port number in the container. */
  containerPort: number;
  /** Port name, referenced by Service `targetPort`. */
  name?: string;
  /** `TCP` (default), `UDP` or `SCTP`. */
  protocol?: string;
  [field: string]: unknown;
}

/** A container of a pod (an init container too: native sidecars are init containers). */
export interface Container {
  /** Container name. */
  name: string;
  /** Image reference. */
  image?: string;
  /** Ports it listens on. */
  ports?: ContainerPort[];
  /** Environment variables. */
  env?: { name: string; value?: string; [field: string]: unknown }[];
  [field: string]: unknown;
}

/** Pod spec, the fields switchyard reads. */
export interface PodSpec {
  /** Containers. */
  containers: Container[];
  /** Init containers; Istio's native sidecar (`istio-proxy` with restartPolicy Always) is one. */
  initContainers?: Container[];
  [field: string]: unknown;
}

/** Pod template of a Deployment. */
export interface PodTemplateSpec {
  /** Template metadata (labels select the pods). */
  metadata?: Partial<ObjectMeta>;
  /** Pod spec. */
  spec: PodSpec;
  [field: string]: unknown;
}

/** Deployment `spec`. */
export interface DeploymentSpec {
  /** Desired replicas; undefined means 1. */
  replicas?: number;
  /** Selects the pods the Deployment owns. */
  selector: LabelSelector;
  /** Pod template. */
  template: PodTemplateSpec;
  /** Seconds without progress before the rollout counts as failed (default 600). */
  progressDeadlineSeconds?: number;
  /** Paused rollouts make no progress. */
  paused?: boolean;
  [field: string]: unknown;
}

/** Deployment `status`. */
export interface DeploymentStatus {
  /** Generation the controller last acted on. */
  observedGeneration?: number;
  /** Pods of any revision. */
  replicas?: number;
  /** Pods of the current revision. */
  updatedReplicas?: number;
  /** Ready pods. */
  readyReplicas?: number;
  /** Pods ready for at least `minReadySeconds`. */
  availableReplicas?: number;
  /** Pods still needed for 100% availability. */
  unavailableReplicas?: number;
  /** `Available`, `Progressing`, `ReplicaFailure`. */
  conditions?: Condition[];
  [field: string]: unknown;
}

/** An `apps/v1` Deployment. */
export interface Deployment extends KubeObject {
  /** Spec. */
  spec: DeploymentSpec;
  /** Status; undefined on objects not yet seen by the controller. */
  status?: DeploymentStatus;
}

/** Pod `status`. */
export interface PodStatus {
  /** `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  phase?: string;
  /** Pod IP, once assigned. */
  podIP?: string;
  /** `PodScheduled`, `Initialized`, `ContainersReady`, `Ready`. */
  conditions?: Condition[];
  [field: string]: unknown;
}

/** A core/v1 Pod. */
export interface Pod extends KubeObject {
  /** Spec. */
  spec?: PodSpec;
  /** Status. */
  status?: PodStatus;
}

/** One port of a Service. */
export interface ServicePort {
  /** Port name; its prefix decides the protocol Istio assumes when `appProtocol` is unset. */
  name?: string;
  /** Service port. */
  port: number;
  /** Pod port number or name. */
  targetPort?: number | string;
  /** `TCP` (default), `UDP`, `SCTP`. */
  protocol?: string;
  /** Application protocol; wins over the name prefix for Istio. */
  appProtocol?: string;
  [field: string]: unknown;
}

/** Service `spec`. */
export interface ServiceSpec {
  /** Pod labels the Service selects. */
  selector?: Record<string, string>;
  /** Ports. */
  ports?: ServicePort[];
  /** `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`. */
  type?: string;
  /** Cluster IP, or `None` for headless services. */
  clusterIP?: string;
  [field: string]: unknown;
}

/** A core/v1 Service. */
export interface Service extends KubeObject {
  /** Spec. */
  spec?: ServiceSpec;
}

/** A core/v1 Namespace (cluster-scoped); its labels decide sidecar injection. */
export interface Namespace extends KubeObject {
  /** Status (`phase`). */
  status?: { phase?: string; [field: string]: unknown };
}

/**
 * An `apiextensions.k8s.io/v1` CustomResourceDefinition (cluster-scoped), the fields read:
 * the versions served and their OpenAPI v3 schema (which fields the installed release has).
 */
export interface CustomResourceDefinition extends KubeObject {
  /** Spec. */
  spec: {
    /** API group. */
    group: string;
    /** The versions, each with `served` and `schema.openAPIV3Schema`. */
    versions?: {
      name: string;
      served?: boolean;
      storage?: boolean;
      schema?: { openAPIV3Schema?: Record<string, unknown> };
      [field: string]: unknown;
    }[];
    [field: string]: unknown;
  };
}

/** Lease `spec`. Times are MicroTime: RFC 3339 with exactly six fractional digits. */
export interface LeaseSpec {
  /** Current holder; empty or undefined when released. */
  holderIdentity?: string;
  /** How long a claim is valid after its last renewal. */
  leaseDurationSeconds?: number;
  /** When the current holder acquired it. */
  acquireTime?: string;
  /** Last renewal. */
  renewTime?: string;
  /** How many times the holder changed. */
  leaseTransitions?: number;
  [field: string]: unknown;
}

/** A `coordination.k8s.io/v1` Lease. */
export interface Lease extends KubeObject {
  /** Spec. */
  spec?: LeaseSpec;
}

/** A reference to the object an Event is about. */
export interface ObjectReference {
  /** API version of the object. */
  apiVersion?: string;
  /** Kind. */
  kind?: string;
  /** Namespace. */
  namespace?: string;
  /** Name. */
  name?: string;
  /** UID, when known (lets `kubectl describe` attach the Event). */
  uid?: string;
  /** Resource version the Event was about. */
  resourceVersion?: string;
  [field: string]: unknown;
}

/** A core/v1 Event. */
export interface KubeEvent extends KubeObject {
  /** The object the Event is about. */
  involvedObject: ObjectReference;
  /** Short machine-readable reason (`StepApplied`, `RolledBack`, ...). */
  reason?: string;
  /** Human-readable description. */
  message?: string;
  /** `Normal` or `Warning`. */
  type?: 'Normal' | 'Warning' | (string & {});
  /** Reporting component (legacy field). */
  source?: { component?: string; host?: string; [field: string]: unknown };
  /** First time the Event was seen (RFC 3339). */
  firstTimestamp?: string;
  /** Last time the Event was seen (RFC 3339). */
  lastTimestamp?: string;
  /** How many times it occurred. */
  count?: number;
  /** Controller that emitted it (events.k8s.io field, also on core/v1). */
  reportingComponent?: string;
  /** Instance of the controller that emitted it. */
  reportingInstance?: string;
}

/** Patch flavours the API server accepts. */
export type PatchType = 'json' | 'merge' | 'strategic-merge';

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call, including any wait between retries; the call then rejects with AbortedError. */
  signal?: AbortSignal | undefined;
}

/** Options of a write. */
export interface WriteOptions<T> extends CallOptions {
  /**
   * `All` runs the whole write (admission, Istio's validating webhook) without storing it;
   * the result is what would have been stored.
   */
  dryRun?: 'All' | undefined;
  /**
   * Decides whether a change is already in `current`. Used only when a retried write fails
   * with a conflict after an earlier attempt failed in a way that may have landed (dropped
   * connection, timeout, 5xx): the object is re-read and, when this returns true, the write
   * counts as done. Defaults to a structural check of what was sent (see `write-recovery.ts`).
   */
  alreadyApplied?: ((current: T) => boolean) | undefined;
}

/** Selectors of a list call. */
export interface ListOptions extends CallOptions {
  /** Label selector, e.g. `app=istiod,istio.io/rev=default`. */
  labelSelector?: string | undefined;
  /** Field selector, e.g. `status.phase=Running`. */
  fieldSelector?: string | undefined;
}

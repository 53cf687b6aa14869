/**
 * The shapes of the Kubernetes objects the workload controllers read and write, as their
 * JSON looks on a real cluster (apps/v1 Deployment and ReplicaSet, v1 Pod, Service and
 * Endpoints). Objects in the store are written by users through the API server, so every
 * field a user may omit is optional here and the controllers treat it defensively.
 */
import type { KubeObject, StoredMeta } from '../store/object-store.js';

/** One `matchExpressions` requirement of a label selector. */
export interface LabelSelectorRequirement {
  /** Label key. */
  key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  operator: string;
  /** Values for `In` / `NotIn`; undefined for `Exists` / `DoesNotExist`. */
  values?: string[];
}

/** A `metav1.LabelSelector`. An empty selector selects everything; an absent one selects nothing. */
export interface LabelSelector {
  /** Exact label matches. */
  matchLabels?: Record<string, string>;
  /** Set-based requirements, all of which must hold. */
  matchExpressions?: LabelSelectorRequirement[];
}

/** A container port. */
export interface ContainerPort {
  /** Port number in the pod. */
  containerPort: number;
  /** IANA name a Service `targetPort` can refer to; undefined when unnamed. */
  name?: string;
  /** `TCP` (default), `UDP` or `SCTP`. */
  protocol?: string;
  [field: string]: unknown;
}

/** A container of a pod spec. */
export interface Container {
  /** Container name, unique in the pod. */
  name: string;
  /** Image reference; undefined only in invalid specs. */
  image?: string;
  /** Declared ports; undefined when none. */
  ports?: ContainerPort[];
  [field: string]: unknown;
}

/** A pod spec. */
export interface PodSpec {
  /** App containers (and the injected `istio-proxy`). */
  containers?: Container[];
  /** Init containers (the injected `istio-init`); undefined when none. */
  initContainers?: Container[];
  /** Node the pod is bound to; undefined until scheduled. */
  nodeName?: string;
  /** Grace period for deletion; the API server defaults it to 30. */
  terminationGracePeriodSeconds?: number;
  /** Host networking pods are never injected. */
  hostNetwork?: boolean;
  /** `hostname` published in Endpoints when `subdomain` names the Service. */
  hostname?: string;
  /** Subdomain (headless Service name). */
  subdomain?: string;
  [field: string]: unknown;
}

/** Object metadata of a pod template. */
export interface TemplateMeta {
  /** Labels of the pods to create. */
  labels?: Record<string, string>;
  /** Annotations of the pods to create. */
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A `PodTemplateSpec`. */
export interface PodTemplateSpec {
  /** Template metadata; undefined only in invalid specs. */
  metadata?: TemplateMeta;
  /** Template spec; undefined only in invalid specs. */
  spec?: PodSpec;
}

/** A pod condition (`PodScheduled`, `Initialized`, `ContainersReady`, `Ready`, ...). */
export interface PodCondition {
  /** Condition type. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** Always null: the kubelet does not record probe times in conditions. */
  lastProbeTime?: string | null;
  /** When `status` last changed. */
  lastTransitionTime?: string;
  /** Machine-readable reason when not True; undefined otherwise. */
  reason?: string;
  /** Human-readable message when not True; undefined otherwise. */
  message?: string;
}

/** State of one container as the kubelet reports it. */
export interface ContainerStatus {
  /** Container name. */
  name: string;
  /** `containerd://<64 hex>`. */
  containerID?: string;
  /** Image as given in the spec. */
  image: string;
  /** Image repository with digest. */
  imageID: string;
  /** Always `{}`: containers never restart in the simulator. */
  lastState: Record<string, unknown>;
  /** Readiness probe result. */
  ready: boolean;
  /** Restarts; always 0. */
  restartCount: number;
  /** Startup probe passed (true once running); false for completed init containers. */
  started: boolean;
  /** `running` or `terminated` (init containers), with times. */
  state: Record<string, unknown>;
}

/** Pod status. */
export interface PodStatus {
  /** `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  phase?: string;
  /** Conditions, in the kubelet's order. */
  conditions?: PodCondition[];
  /** Pod IP; undefined until the sandbox runs. */
  podIP?: string;
  /** Pod IPs (single stack: one entry). */
  podIPs?: { ip: string }[];
  /** Node IP; undefined until the kubelet starts the pod. */
  hostIP?: string;
  /** Node IPs. */
  hostIPs?: { ip: string }[];
  /** When the kubelet accepted the pod. */
  startTime?: string;
  /** App container states (sorted by name). */
  containerStatuses?: ContainerStatus[];
  /** Init container states. */
  initContainerStatuses?: ContainerStatus[];
  /** `BestEffort`, `Burstable` or `Guaranteed`. */
  qosClass?: string;
  [field: string]: unknown;
}

/** A v1 Pod. */
export interface Pod extends KubeObject {
  /** Pod spec; undefined only in invalid objects. */
  spec?: PodSpec;
  /** Pod status; undefined until the API server or kubelet writes one. */
  status?: PodStatus;
}

/** Deployment strategy. */
export interface DeploymentStrategy {
  /** `RollingUpdate` (default) or `Recreate`. */
  type?: string;
  /** Rolling update bounds: integers or percentages like `25%`. */
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
}

/** apps/v1 DeploymentSpec. */
export interface DeploymentSpec {
  /** Desired pods; defaults to 1. */
  replicas?: number;
  /** Pods (and ReplicaSets) the Deployment owns. */
  selector?: LabelSelector;
  /** Template of the pods. */
  template?: PodTemplateSpec;
  /** How old pods are replaced. */
  strategy?: DeploymentStrategy;
  /** Seconds a ready pod must stay ready to count as available; defaults to 0. */
  minReadySeconds?: number;
  /** Old ReplicaSets kept for rollback; defaults to 10. */
  revisionHistoryLimit?: number;
  /** Seconds without progress before `ProgressDeadlineExceeded`; defaults to 600. */
  progressDeadlineSeconds?: number;
  /** Paused Deployments are scaled but not rolled out. */
  paused?: boolean;
}

/** A Deployment condition. */
export interface DeploymentCondition {
  /** `Available`, `Progressing` or `ReplicaFailure`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** Last time the condition was written with progress. */
  lastUpdateTime: string;
  /** Last time `status` changed. */
  lastTransitionTime: string;
  /** Reason, e.g. `NewReplicaSetAvailable`. */
  reason: string;
  /** Message, worded as Kubernetes words it. */
  message: string;
}

/** apps/v1 DeploymentStatus. Zero counts are omitted, as Kubernetes omits them. */
export interface DeploymentStatus {
  /** Generation the controller acted on. */
  observedGeneration?: number;
  /** Non-terminating pods of all ReplicaSets. */
  replicas?: number;
  /** Non-terminating pods of the new ReplicaSet. */
  updatedReplicas?: number;
  /** Ready pods. */
  readyReplicas?: number;
  /** Available pods (ready for minReadySeconds). */
  availableReplicas?: number;
  /** Desired pods not yet available (never negative). */
  unavailableReplicas?: number;
  /** Hash collisions seen; undefined until the first. */
  collisionCount?: number;
  /** Terminating pods of all ReplicaSets; undefined while a synced ReplicaSet has not reported it. */
  terminatingReplicas?: number;
  /** Conditions. */
  conditions?: DeploymentCondition[];
}

/** An apps/v1 Deployment. */
export interface Deployment extends KubeObject {
  /** Spec; undefined only in invalid objects. */
  spec?: DeploymentSpec;
  /** Status written by the controller. */
  status?: DeploymentStatus;
}

/** A ReplicaSet condition (`ReplicaFailure`). */
export interface ReplicaSetCondition {
  /** Condition type. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** When `status` last changed. */
  lastTransitionTime: string;
  /** `FailedCreate` or `FailedDelete`. */
  reason: string;
  /** The error. */
  message: string;
}

/** apps/v1 ReplicaSetSpec. */
export interface ReplicaSetSpec {
  /** Desired pods; defaults to 1. */
  replicas?: number;
  /** See DeploymentSpec. */
  minReadySeconds?: number;
  /** Pods the ReplicaSet owns. */
  selector?: LabelSelector;
  /** Template of the pods. */
  template?: PodTemplateSpec;
}

/** apps/v1 ReplicaSetStatus; `replicas` is always present, the other counts only when non-zero. */
export interface ReplicaSetStatus {
  /** Non-terminating pods owned. */
  replicas: number;
  /** Of those, pods carrying every template label. */
  fullyLabeledReplicas?: number;
  /** Ready pods. */
  readyReplicas?: number;
  /** Available pods. */
  availableReplicas?: number;
  /** Generation the controller acted on. */
  observedGeneration?: number;
  /** Pods being deleted; undefined until the controller first syncs the ReplicaSet. */
  terminatingReplicas?: number;
  /** `ReplicaFailure` when pods could not be created or deleted. */
  conditions?: ReplicaSetCondition[];
}

/** An apps/v1 ReplicaSet. */
export interface ReplicaSet extends KubeObject {
  /** Spec; undefined only in invalid objects. */
  spec?: ReplicaSetSpec;
  /** Status written by the controller. */
  status?: ReplicaSetStatus;
}

/** A Service port. */
export interface ServicePort {
  /** Port name; required when a Service has several ports. */
  name?: string;
  /** Service port. */
  port: number;
  /** Pod port: a number or a container port name; defaults to `port`. */
  targetPort?: number | string;
  /** `TCP` (default), `UDP` or `SCTP`. */
  protocol?: string;
  /** Application protocol, copied into Endpoints. */
  appProtocol?: string;
}

/** A v1 Service (only what the Endpoints controller reads). */
export interface Service extends KubeObject {
  /** Spec. */
  spec?: {
    /** Pod selector; a Service without one gets no Endpoints from the controller. */
    selector?: Record<string, string>;
    /** Ports. */
    ports?: ServicePort[];
    /** Cluster IP; `None` for headless Services. */
    clusterIP?: string;
    /** `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`. */
    type?: string;
    /** List not-ready pods as ready addresses. */
    publishNotReadyAddresses?: boolean;
    [field: string]: unknown;
  };
}

/** An address in an Endpoints subset. */
export interface EndpointAddress {
  /** Pod IP. */
  ip: string;
  /** Pod hostname, when the pod's subdomain is the Service name. */
  hostname?: string;
  /** Node of the pod. */
  nodeName?: string;
  /** The pod. */
  targetRef?: { kind: string; namespace: string; name: string; uid: string };
}

/** A port in an Endpoints subset. */
export interface EndpointPort {
  /** Service port name; undefined for an unnamed single port. */
  name?: string;
  /** Resolved target port on the pods. */
  port: number;
  /** Protocol. */
  protocol?: string;
  /** Application protocol, when the Service port has one. */
  appProtocol?: string;
}

/** An Endpoints subset: addresses sharing the same ports. */
export interface EndpointSubset {
  /** Ready addresses; omitted when empty. */
  addresses?: EndpointAddress[];
  /** Not-ready addresses; omitted when empty. */
  notReadyAddresses?: EndpointAddress[];
  /** Ports. */
  ports?: EndpointPort[];
}

/** A v1 Endpoints object. */
export interface Endpoints extends KubeObject {
  /** Subsets; omitted when no pod matches. */
  subsets?: EndpointSubset[];
}

/** An owner reference as stored. */
export type OwnerReference = NonNullable<StoredMeta['ownerReferences']>[number];

/**
 * A stored object read as one of the shapes above. The store holds untyped objects; this
 * is the one place that says which shape a controller expects.
 */
export function viewAs<T extends KubeObject>(
  object: Readonly<KubeObject> | undefined,
): Readonly<T> | undefined {
  return object as Readonly<T> | undefined;
}

/**
 * What the operations need from the outside world, passed in by the library entry
 * (`switchyard.ts`) or by a test: Kubernetes, the clock, the gates, the lock holder's
 * identity and the event listener. Each operation is a function of
 * `(spec, dependencies, options)`.
 */
import type { DataplaneVerifier } from '../gates/dataplane-verifier.js';
import type { MetricsProvider } from '../gates/metrics-provider.js';
import type { SyncGate } from '../gates/sync-gate.js';
import type {
  DeploymentApi,
  EventRecorder,
  LeaseStore,
  PodLister,
  ServiceReader,
} from '../kube/resource-apis.js';
import type { RoutingApis } from '../routing/route-backend.js';
import type { Clock } from './clock.js';
import type { ReleaseEvent } from './release-events.js';

/**
 * The Kubernetes APIs the operations use; `KubeClient` provides all of them. The routing
 * objects' APIs come from {@link RoutingApis} (what the route backends are built with).
 */
export interface ClusterApis extends RoutingApis {
  /** Deployments. */
  deployments: DeploymentApi;
  /** Pods (readiness of a slot). */
  pods: PodLister;
  /** Services (selector, ports). */
  services: ServiceReader;
  /** Leases (the lock). */
  leases: LeaseStore;
  /** Events; undefined: no Kubernetes Events are written. */
  events?: EventRecorder | undefined;
}

/** What the operations need from the outside world. */
export interface OperationDependencies {
  /** Kubernetes access. */
  kube: ClusterApis;
  /** Time. */
  clock: Clock;
  /** Proxy sync gate. */
  syncGate: SyncGate;
  /** Data-plane verifier; required when `spec.sync.verifyDataplane > 0`. */
  dataplane?: DataplaneVerifier | undefined;
  /** Metric checks; required when the spec has checks and bake steps. */
  metrics?: MetricsProvider | undefined;
  /** Identity written to the Lease and the record. */
  holderIdentity: string;
  /** Receives every event as it happens. */
  onEvent?: ((event: ReleaseEvent) => void) | undefined;
  /** Operation ids; defaults to a random id. */
  newOperationId?: (() => string) | undefined;
}

/** Options of `release` and `rollback` (and the base of every operation's options). */
export interface OperationOptions {
  /** Aborts the operation. */
  signal?: AbortSignal | undefined;
}

/** The clients an operation talks to the world through. */
export type OperationClients = Pick<
  OperationDependencies,
  'kube' | 'syncGate' | 'dataplane' | 'metrics'
>;

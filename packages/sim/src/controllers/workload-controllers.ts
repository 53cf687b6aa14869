/**
 * The simulator's controller manager and node in one: the Deployment, ReplicaSet and
 * Endpoints controllers, the garbage collector, the scheduler + kubelet of `sim-node-1`,
 * and Istio's sidecar injection for the pods they create. One store subscription feeds a
 * shared informer cache first and then every controller, so all read the same state.
 * `start` takes over whatever the store already holds (a restart converges without
 * duplicating pods); `stop` clears every queue and timer.
 */
import type { ObjectStore, StoreEvent } from '../store/object-store.js';
import { resourceKey, type ResourceRegistry } from '../store/resource-types.js';
import { DeploymentController } from './deployment-controller.js';
import { EndpointsController } from './endpoints-controller.js';
import { EventRecorder } from './event-recorder.js';
import { GarbageCollector } from './garbage-collector.js';
import {
  InformerCache,
  resolveWorkloadResources,
  type WorkloadResources,
} from './informer-cache.js';
import { Kubelet, type ReadinessBehaviourOf } from './kubelet.js';
import { admitPodCreate } from './pod-admission.js';
import { PodIpAllocator } from './pod-ip-allocator.js';
import {
  deletePodGracefully,
  type PodDeletionOptions,
  type PodDeletionResult,
} from './pod-termination.js';
import { ReplicaSetController } from './replica-set-controller.js';
import { DEFAULT_ISTIO_VERSION, type PodInput } from './sidecar-injector.js';

/** Name of the simulated node. */
export const SIM_NODE_NAME = 'sim-node-1';

/** IP of the simulated node (kind's first node address). */
export const SIM_NODE_IP = '172.18.0.2';

/** Options of the workload controllers. */
export interface WorkloadControllersOptions {
  /** The cluster store. */
  store: ObjectStore;
  /** Served resource types. */
  registry: ResourceRegistry;
  /** Milliseconds from pod start to passing readiness (scenario `pods.readyDelayMs`). */
  readyDelayMs: number;
  /** Milliseconds a deleted pod stays terminating (scenario `pods.terminationDelayMs`). */
  terminationDelayMs: number;
  /** Behaviour of an image; `ready: false` means its pods never pass readiness. */
  behaviourOf: ReadinessBehaviourOf;
  /** Istio version of injected proxies; default 1.26.2. */
  istioVersion?: string;
  /** Istio revision injecting (`istio.io/rev`); default `default`. */
  istioRevision?: string;
  /** Called when a controller fails to sync a key (it retries with backoff); default: ignored. */
  onError?: (controller: string, key: string, error: unknown) => void;
}

/** Deployment, ReplicaSet, Endpoints, GC, kubelet and injection, wired to one store. */
export class WorkloadControllers {
  readonly #store: ObjectStore;
  readonly #resources: WorkloadResources;
  readonly #cache: InformerCache;
  readonly #ipAllocator = new PodIpAllocator();
  readonly #kubelet: Kubelet;
  readonly #replicaSets: ReplicaSetController;
  readonly #deployments: DeploymentController;
  readonly #endpoints: EndpointsController;
  readonly #gc: GarbageCollector;
  readonly #istioVersion: string;
  readonly #istioRevision: string;
  #unsubscribe: (() => void) | undefined;

  constructor(options: WorkloadControllersOptions) {
    this.#store = options.store;
    this.#resources = resolveWorkloadResources(options.registry);
    this.#cache = new InformerCache(this.#resources);
    this.#istioVersion = options.istioVersion ?? DEFAULT_ISTIO_VERSION;
    this.#istioRevision = options.istioRevision ?? 'default';
    const report = (controller: string) => (key: string, error: unknown) =>
      options.onError?.(controller, key, error);
    const deletePod = (namespace: string, name: string, uid: string): void => {
      deletePodGracefully(this.#store, this.#resources.pods, namespace, name, {
        preconditions: { uid },
      });
    };
    this.#kubelet = new Kubelet({
      store: options.store,
      pods: this.#resources.pods,
      nodeName: SIM_NODE_NAME,
      hostIP: SIM_NODE_IP,
      readyDelayMs: options.readyDelayMs,
      terminationDelayMs: options.terminationDelayMs,
      behaviourOf: options.behaviourOf,
      ipAllocator: this.#ipAllocator,
      onError: report('kubelet'),
    });
    this.#replicaSets = new ReplicaSetController({
      store: options.store,
      resources: this.#resources,
      cache: this.#cache,
      admitPod: (pod, namespace) => this.admitPod(pod, namespace),
      deletePod,
      onError: report('replicaset'),
    });
    this.#deployments = new DeploymentController({
      store: options.store,
      resources: this.#resources,
      cache: this.#cache,
      events: new EventRecorder(options.store, this.#resources.events, 'deployment-controller'),
      onError: report('deployment'),
    });
    this.#endpoints = new EndpointsController({
      store: options.store,
      resources: this.#resources,
      cache: this.#cache,
      onError: report('endpoints'),
    });
    this.#gc = new GarbageCollector({
      store: options.store,
      registry: options.registry,
      pods: this.#resources.pods,
      deletePod,
      onError: report('garbagecollector'),
    });
  }

  /** Takes over the store's current contents and reacts to every change from now on. */
  start(): void {
    if (this.#unsubscribe) return;
    this.#cache.prime(this.#store, this.#resources);
    this.#unsubscribe = this.#store.subscribe((event) => this.#dispatch(event));
    this.#kubelet.start();
    this.#gc.start();
    this.#deployments.start();
    this.#replicaSets.start();
    this.#endpoints.start();
  }

  /** Stops reacting; clears every queue and timer. Pods mid-way stay as they are. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#kubelet.stop();
    this.#gc.stop();
    this.#deployments.stop();
    this.#replicaSets.stop();
    this.#endpoints.stop();
    this.#cache.clear();
    this.#ipAllocator.clear();
  }

  /** Changes the ready delay from now on (pods still starting are rescheduled). */
  setReadyDelayMs(ms: number): void {
    this.#kubelet.setReadyDelayMs(ms);
  }

  /** Changes the termination delay from now on (terminating pods are rescheduled). */
  setTerminationDelayMs(ms: number): void {
    this.#kubelet.setTerminationDelayMs(ms);
  }

  /** Re-runs readiness probes of every pod; call after an image's behaviour changed. */
  reprobeReadiness(): void {
    this.#kubelet.reprobeReadiness();
  }

  /**
   * Admission of a pod a client creates, as the API server runs it: defaults, injection
   * (from the namespace's labels), initial status. The API server should store the result.
   */
  admitPod(pod: PodInput, namespace: string): PodInput {
    const ns = this.#store.peek(this.#resources.namespaces, undefined, namespace);
    return admitPodCreate(pod, namespace, {
      namespaceLabels: ns?.metadata.labels,
      injection: { istioVersion: this.#istioVersion, revision: this.#istioRevision },
    });
  }

  /**
   * A pod DELETE as the API server performs it: graceful (terminating, then removed by the
   * kubelet after the termination delay) unless the grace period is 0 or the pod never ran.
   */
  deletePod(namespace: string, name: string, options: PodDeletionOptions = {}): PodDeletionResult {
    return deletePodGracefully(this.#store, this.#resources.pods, namespace, name, options);
  }

  #dispatch(event: StoreEvent): void {
    this.#cache.apply(event);
    const key = resourceKey(event.resource);
    if (key === resourceKey(this.#resources.pods)) this.#kubelet.onEvent(event);
    this.#replicaSets.onEvent(event);
    this.#deployments.onEvent(event);
    this.#endpoints.onEvent(event);
    this.#gc.onEvent(event);
  }
}

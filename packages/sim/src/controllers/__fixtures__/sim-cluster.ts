/**
 * Test fixture for the workload controllers: a store built from the built-in types, the
 * controllers started on it with small delays, manifest builders, and a condition waiter
 * (tests wait for states with generous timeouts, they never assert on timing).
 */
import { ObjectStore, type KubeObject } from '../../store/object-store.js';
import {
  builtinResourceTypes,
  ResourceRegistry,
  type ResourceType,
} from '../../store/resource-types.js';
import type { Deployment, Pod, ReplicaSet } from '../kube-shapes.js';
import { WorkloadControllers, type WorkloadControllersOptions } from '../workload-controllers.js';

/** A store with the built-in resource types. */
export function createStore(): ObjectStore {
  return new ObjectStore(new ResourceRegistry(builtinResourceTypes()));
}

/** The registered type for a plural (core or apps group). */
export function typeOf(store: ObjectStore, plural: string): ResourceType {
  const type = store.registry.byPlural('', plural) ?? store.registry.byPlural('apps', plural);
  if (!type) throw new Error(`no type ${plural}`);
  return type;
}

/** Creates a namespace. */
export function createNamespace(
  store: ObjectStore,
  name: string,
  labels?: Record<string, string>,
): void {
  store.create(typeOf(store, 'namespaces'), undefined, {
    metadata: { name, ...(labels ? { labels } : {}) },
  });
}

/** Image behaviours a test can change while the controllers run. */
export class Behaviours {
  readonly #notReady = new Set<string>();

  /** Makes an image's pods pass (true) or fail (false) readiness. */
  setReady(image: string, ready: boolean): void {
    if (ready) this.#notReady.delete(image);
    else this.#notReady.add(image);
  }

  /** The behaviour function the controllers take. */
  readonly behaviourOf = (image: string): { ready: boolean } => ({
    ready: !this.#notReady.has(image),
  });
}

/** A started controller set plus the errors it reported. */
export interface TestCluster {
  store: ObjectStore;
  controllers: WorkloadControllers;
  behaviours: Behaviours;
  errors: { controller: string; key: string; error: unknown }[];
}

/** Starts controllers on `store` with tens-of-milliseconds delays. */
export function startControllers(
  store: ObjectStore,
  overrides: Partial<WorkloadControllersOptions> = {},
  behaviours = new Behaviours(),
): TestCluster {
  const errors: TestCluster['errors'] = [];
  const controllers = new WorkloadControllers({
    store,
    registry: store.registry,
    readyDelayMs: 30,
    terminationDelayMs: 30,
    behaviourOf: behaviours.behaviourOf,
    onError: (controller, key, error) => errors.push({ controller, key, error }),
    ...overrides,
  });
  controllers.start();
  return { store, controllers, behaviours, errors };
}

/** Options of a test Deployment. */
export interface DeploymentOptions {
  replicas?: number;
  image?: string;
  labels?: Record<string, string>;
  podLabels?: Record<string, string>;
  strategy?: Record<string, unknown>;
  progressDeadlineSeconds?: number;
  ports?: { containerPort: number; name?: string }[];
}

/** A Deployment manifest as a client would write it (no defaults). */
export function deploymentManifest(
  name: string,
  namespace: string,
  options: DeploymentOptions = {},
): KubeObject {
  const labels = options.labels ?? { app: name };
  const spec: Record<string, unknown> = {
    replicas: options.replicas ?? 3,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels: { ...labels, ...(options.podLabels ?? {}) } },
      spec: {
        containers: [
          {
            name: 'app',
            image: options.image ?? 'example.com/app:v1',
            ...(options.ports ? { ports: options.ports } : {}),
          },
        ],
      },
    },
  };
  if (options.strategy) spec.strategy = options.strategy;
  if (options.progressDeadlineSeconds !== undefined)
    spec.progressDeadlineSeconds = options.progressDeadlineSeconds;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec,
  } as unknown as KubeObject;
}

/** Waits until `probe` returns a truthy value; throws `description` after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false,
  description: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The stored Deployment. */
export function getDeployment(
  store: ObjectStore,
  namespace: string,
  name: string,
): Deployment | undefined {
  return store.get(typeOf(store, 'deployments'), namespace, name);
}

/** ReplicaSets in a namespace. */
export function listReplicaSets(store: ObjectStore, namespace: string): ReplicaSet[] {
  return store.list(typeOf(store, 'replicasets'), namespace).items;
}

/** Pods in a namespace. */
export function listPods(store: ObjectStore, namespace: string): Pod[] {
  return store.list(typeOf(store, 'pods'), namespace).items;
}

/** `kubectl rollout status` success, per istio.md section 5. */
export function rolloutComplete(d: Deployment | undefined): boolean {
  if (!d) return false;
  const status = d.status ?? {};
  const desired = d.spec?.replicas ?? 1;
  return (
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === (status.updatedReplicas ?? 0) &&
    (status.availableReplicas ?? 0) === (status.updatedReplicas ?? 0)
  );
}

/** Replaces a Deployment's spec through a conflict-checked update, as a client would. */
export function updateDeployment(
  store: ObjectStore,
  namespace: string,
  name: string,
  mutate: (d: Deployment) => void,
): Deployment {
  const current = getDeployment(store, namespace, name);
  if (!current) throw new Error(`no deployment ${name}`);
  mutate(current);
  return store.update(typeOf(store, 'deployments'), namespace, current, {
    expectedResourceVersion: current.metadata.resourceVersion,
  });
}

/** True when the pod's Ready condition is True. */
export function podReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

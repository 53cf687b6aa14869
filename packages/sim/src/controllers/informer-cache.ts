/**
 * The controllers' shared view of the cluster, like client-go's shared informers: one index
 * per resource type the workload controllers read, fed from the store's change events
 * before any controller reacts to them, so every controller reads a consistent cache.
 */
import type { ObjectStore, StoreEvent } from '../store/object-store.js';
import { resourceKey, type ResourceRegistry, type ResourceType } from '../store/resource-types.js';
import type { Deployment, Pod, ReplicaSet, Service } from './kube-shapes.js';
import { ObjectIndex } from './object-index.js';

/** The resource types the workload controllers work with. */
export interface WorkloadResources {
  /** v1 namespaces. */
  namespaces: ResourceType;
  /** v1 pods. */
  pods: ResourceType;
  /** v1 services. */
  services: ResourceType;
  /** v1 endpoints. */
  endpoints: ResourceType;
  /** apps/v1 deployments. */
  deployments: ResourceType;
  /** apps/v1 replicasets. */
  replicaSets: ResourceType;
  /** v1 events. */
  events: ResourceType;
}

/** Looks the workload types up in the registry; throws naming a missing one. */
export function resolveWorkloadResources(registry: ResourceRegistry): WorkloadResources {
  const find = (group: string, plural: string): ResourceType => {
    const type = registry.byPlural(group, plural);
    if (!type)
      throw new Error(`resource type ${group ? `${plural}.${group}` : plural} is not registered`);
    return type;
  };
  return {
    namespaces: find('', 'namespaces'),
    pods: find('', 'pods'),
    services: find('', 'services'),
    endpoints: find('', 'endpoints'),
    deployments: find('apps', 'deployments'),
    replicaSets: find('apps', 'replicasets'),
    events: find('', 'events'),
  };
}

/** Indexes of pods, ReplicaSets, Deployments and Services. */
export class InformerCache {
  /** Pods, indexed by controller and by namespace + label. */
  readonly pods = new ObjectIndex<Pod>({ indexLabels: true });
  /** ReplicaSets, indexed by controller. */
  readonly replicaSets = new ObjectIndex<ReplicaSet>();
  /** Deployments. */
  readonly deployments = new ObjectIndex<Deployment>();
  /** Services. */
  readonly services = new ObjectIndex<Service>();
  readonly #byResource: Map<string, ObjectIndex>;

  constructor(resources: WorkloadResources) {
    this.#byResource = new Map<string, ObjectIndex>([
      [resourceKey(resources.pods), this.pods],
      [resourceKey(resources.replicaSets), this.replicaSets],
      [resourceKey(resources.deployments), this.deployments],
      [resourceKey(resources.services), this.services],
    ]);
  }

  /** Loads every object of the cached types from the store. */
  prime(store: ObjectStore, resources: WorkloadResources): void {
    for (const type of [
      resources.pods,
      resources.replicaSets,
      resources.deployments,
      resources.services,
    ]) {
      const index = this.#byResource.get(resourceKey(type));
      for (const object of store.peekAll(type)) index?.upsert(object);
    }
  }

  /** Applies one committed change. */
  apply(event: StoreEvent): void {
    const index = this.#byResource.get(resourceKey(event.resource));
    if (!index) return;
    if (event.type === 'DELETED') index.remove(event.object);
    else index.upsert(event.object);
  }

  /** Forgets everything. */
  clear(): void {
    for (const index of this.#byResource.values()) index.clear();
  }
}

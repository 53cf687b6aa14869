/**
 * The garbage collector, after Kubernetes' `pkg/controller/garbagecollector` with
 * background propagation: it tracks owner references of every object of every served type,
 * and when an owner goes away it looks at each dependent. A dependent whose owners are all
 * gone (absent, or present with another uid) is deleted - pods gracefully, so they
 * terminate like any deleted pod; one that still has a live owner only loses the dangling
 * references. Deleting a Deployment thus removes its ReplicaSets, whose removal removes
 * their pods. Orphaning and foreground deletion are not simulated.
 */
import {
  StoreError,
  type KubeObject,
  type ObjectStore,
  type StoreEvent,
} from '../store/object-store.js';
import {
  parseApiVersion,
  resourceKey,
  type ResourceRegistry,
  type ResourceType,
} from '../store/resource-types.js';
import type { OwnerReference } from './kube-shapes.js';
import { WorkQueue } from './work-queue.js';

/** Options of the garbage collector. */
export interface GarbageCollectorOptions {
  /** The cluster store. */
  store: ObjectStore;
  /** Served types (owners are resolved through it). */
  registry: ResourceRegistry;
  /** The pods type: pods are deleted with `deletePod`, not removed outright. */
  pods: ResourceType;
  /** Graceful pod deletion (the uid guards against deleting a replacement). */
  deletePod: (namespace: string, name: string, uid: string) => void;
  /** Reports failures; undefined to ignore them. */
  onError?: (key: string, error: unknown) => void;
}

interface DependentRef {
  resource: ResourceType;
  namespace: string | undefined;
  name: string;
}

function dependentKey(resource: ResourceType, namespace: string | undefined, name: string): string {
  return `${resourceKey(resource)}\u0000${namespace ?? ''}\u0000${name}`;
}

function sameOwnerUids(a: Readonly<KubeObject>, b: Readonly<KubeObject>): boolean {
  const x = a.metadata.ownerReferences ?? [];
  const y = b.metadata.ownerReferences ?? [];
  return x.length === y.length && x.every((ref, i) => ref.uid === y[i]?.uid);
}

/** Deletes dependents whose owners are gone. */
export class GarbageCollector {
  readonly #options: GarbageCollectorOptions;
  readonly #queue: WorkQueue;
  // owner uid -> dependent keys
  readonly #dependents = new Map<string, Set<string>>();
  // dependent key -> where it lives and the owner uids it refers to
  readonly #owners = new Map<string, { ref: DependentRef; uids: string[] }>();

  constructor(options: GarbageCollectorOptions) {
    this.#options = options;
    this.#queue = new WorkQueue({
      handle: (key) => this.#attemptToDelete(key),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** Builds the dependency graph from every served type and checks every dependent. */
  start(): void {
    for (const type of this.#options.registry.all()) {
      for (const object of this.#options.store.peekAll(type)) {
        if (this.#track(type, object)) {
          this.#queue.add(dependentKey(type, object.metadata.namespace, object.metadata.name));
        }
      }
    }
  }

  /** Stops all work. */
  stop(): void {
    this.#queue.stop();
    this.#dependents.clear();
    this.#owners.clear();
  }

  /** Reacts to a committed change. */
  onEvent(event: StoreEvent): void {
    const { object, resource } = event;
    const key = dependentKey(resource, object.metadata.namespace, object.metadata.name);
    if (event.type === 'DELETED') {
      this.#untrack(key);
      // Its dependents may now be orphans.
      for (const dependent of this.#dependents.get(object.metadata.uid) ?? [])
        this.#queue.add(dependent);
      return;
    }
    // Most writes (statuses) leave the owners alone: nothing to re-index or verify.
    if (event.oldObject && sameOwnerUids(event.oldObject, object)) return;
    const before = this.#owners.get(key)?.uids;
    const tracked = this.#track(resource, object);
    const after = this.#owners.get(key)?.uids;
    // A new or changed owner list must be verified: its owners may not exist.
    if (tracked && (event.type === 'ADDED' || before?.join() !== after?.join()))
      this.#queue.add(key);
  }

  #track(resource: ResourceType, object: Readonly<KubeObject>): boolean {
    const key = dependentKey(resource, object.metadata.namespace, object.metadata.name);
    const uids = (object.metadata.ownerReferences ?? []).map((r) => r.uid);
    const previous = this.#owners.get(key);
    if (previous && previous.uids.join() === uids.join()) return uids.length > 0;
    this.#untrack(key);
    if (uids.length === 0) return false;
    this.#owners.set(key, {
      ref: { resource, namespace: object.metadata.namespace, name: object.metadata.name },
      uids,
    });
    for (const uid of uids) {
      let set = this.#dependents.get(uid);
      if (!set) {
        set = new Set();
        this.#dependents.set(uid, set);
      }
      set.add(key);
    }
    return true;
  }

  #untrack(key: string): void {
    const previous = this.#owners.get(key);
    if (!previous) return;
    this.#owners.delete(key);
    for (const uid of previous.uids) {
      const set = this.#dependents.get(uid);
      set?.delete(key);
      if (set?.size === 0) this.#dependents.delete(uid);
    }
  }

  /** True when the owner exists with the referenced uid; unresolvable kinds count as alive. */
  #ownerAlive(ref: OwnerReference, namespace: string | undefined): boolean {
    const { group } = parseApiVersion(ref.apiVersion);
    const type = this.#options.registry.byKind(ref.kind, group);
    // The collector cannot judge owners of kinds it does not serve; it leaves them be.
    if (!type) return true;
    const owner = this.#options.store.peek(type, type.namespaced ? namespace : undefined, ref.name);
    return owner !== undefined && owner.metadata.uid === ref.uid;
  }

  #attemptToDelete(key: string): void {
    const tracked = this.#owners.get(key);
    if (!tracked) return;
    const { resource, namespace, name } = tracked.ref;
    const { store, pods, deletePod } = this.#options;
    const object = store.peek(resource, namespace, name);
    if (!object || object.metadata.deletionTimestamp) return;
    const refs = object.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const dangling = refs.filter((ref) => !this.#ownerAlive(ref, namespace));
    if (dangling.length === 0) return;
    try {
      if (dangling.length < refs.length) {
        // Some owner is alive: only drop the references to the ones that are gone.
        store.update(
          resource,
          namespace,
          {
            ...object,
            metadata: {
              ...object.metadata,
              ownerReferences: refs.filter((r) => !dangling.includes(r)),
            },
          },
          { expectedResourceVersion: object.metadata.resourceVersion },
        );
      } else if (resourceKey(resource) === resourceKey(pods)) {
        deletePod(namespace ?? '', name, object.metadata.uid);
      } else {
        store.delete(resource, namespace, name, { preconditions: { uid: object.metadata.uid } });
      }
    } catch (error) {
      // Already gone: nothing left to collect.
      if (!(error instanceof StoreError && error.reason === 'NotFound')) throw error;
    }
  }
}

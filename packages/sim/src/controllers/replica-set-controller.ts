/**
 * The ReplicaSet controller, after Kubernetes' `pkg/controller/replicaset`: it claims the
 * pods its selector matches (adopting orphans, releasing pods that stopped matching),
 * creates or deletes pods until the non-terminating ones match `spec.replicas` (at most 500
 * per sync, like `burstReplicas`), deletes the pods Kubernetes would delete first, and
 * writes `status` (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
 * observedGeneration, `ReplicaFailure`). Pods are named `<replicaset>-<5 chars>` and go
 * through pod admission (defaults, sidecar injection) as if created through the API server.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  StoreError,
  type KubeObjectInput,
  type ObjectStore,
  type StoreEvent,
} from '../store/object-store.js';
import type { InformerCache, WorkloadResources } from './informer-cache.js';
import type { Pod, ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from './kube-shapes.js';
import { kubeTime, parseKubeTime } from '../go-faithful/kube-time.js';
import { isPodReady } from './kubelet.js';
import { labelsEqual, selectorMatches } from '../go-faithful/label-selector.js';
import { controllerUid, objectKey, ownerReferencesEqual, splitKey } from './object-index.js';
import { sortPodsForDeletion } from './pod-deletion-order.js';
import { ReplicaSetPodTally } from './replica-set-pod-tally.js';
import type { PodInput } from './sidecar-injector.js';
import { WorkQueue } from './work-queue.js';

/** Most pods created or deleted in one sync (`burstReplicas`). */
export const BURST_REPLICAS = 500;

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_BASE = 58;
const NAME_ATTEMPTS = 8;

/** Options of the ReplicaSet controller. */
export interface ReplicaSetControllerOptions {
  /** The cluster store. */
  store: ObjectStore;
  /** Resource types. */
  resources: WorkloadResources;
  /** Shared informer cache. */
  cache: InformerCache;
  /** API-server admission for a pod about to be created (defaults, injection, initial status). */
  admitPod: (pod: PodInput, namespace: string) => PodInput;
  /** Deletes a pod gracefully (the uid guards against deleting a replacement). */
  deletePod: (namespace: string, name: string, uid: string) => void;
  /** Reports sync failures; undefined to ignore them. */
  onError?: (key: string, error: unknown) => void;
}

/** True for pods that count towards replicas: not terminal, not being deleted. */
export function isPodActive(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** `controller.FilterTerminatingPods`: being deleted and not yet terminal. */
export function isPodTerminating(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && Boolean(pod.metadata.deletionTimestamp);
}

/** True when a pod is ready and has been for `minReadySeconds` (`podutil.IsPodAvailable`). */
export function isPodAvailable(pod: Readonly<Pod>, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const since = parseKubeTime(
    pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime,
  );
  return since !== undefined && since + minReadySeconds * 1000 < now;
}

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i += 1)
    out += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
  return out;
}

function podRelevantChange(oldPod: Readonly<Pod>, newPod: Readonly<Pod>): boolean {
  return (
    isPodReady(oldPod) !== isPodReady(newPod) ||
    oldPod.status?.phase !== newPod.status?.phase ||
    oldPod.metadata.deletionTimestamp !== newPod.metadata.deletionTimestamp ||
    !labelsEqual(oldPod.metadata.labels, newPod.metadata.labels) ||
    !ownerReferencesEqual(oldPod, newPod)
  );
}

// Status-only writes are this controller's own and need no resync.
function specOrMetaChanged(oldRs: Readonly<ReplicaSet>, newRs: Readonly<ReplicaSet>): boolean {
  return (
    oldRs.metadata.generation !== newRs.metadata.generation ||
    oldRs.metadata.deletionTimestamp !== newRs.metadata.deletionTimestamp ||
    !labelsEqual(oldRs.metadata.labels, newRs.metadata.labels) ||
    !ownerReferencesEqual(oldRs, newRs)
  );
}

/** Reconciles ReplicaSets with their pods. */
export class ReplicaSetController {
  readonly #options: ReplicaSetControllerOptions;
  readonly #queue: WorkQueue;
  readonly #tally = new ReplicaSetPodTally();
  // ReplicaSets whose owned pods must be checked against the selector (release strays).
  readonly #needsClaim = new Set<string>();

  constructor(options: ReplicaSetControllerOptions) {
    this.#options = options;
    this.#queue = new WorkQueue({
      handle: (key) => this.#sync(key),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** Counts the cached pods and queues every ReplicaSet in the cache. */
  start(): void {
    for (const pod of this.#options.cache.pods.all()) this.#record(pod, false);
    for (const rs of this.#options.cache.replicaSets.all()) {
      const key = objectKey(rs.metadata.namespace, rs.metadata.name);
      this.#needsClaim.add(key);
      this.#queue.add(key);
    }
  }

  /** Stops all work. */
  stop(): void {
    this.#queue.stop();
    this.#tally.clear();
    this.#needsClaim.clear();
  }

  /** Reacts to a committed change. */
  onEvent(event: StoreEvent): void {
    const { resources } = this.#options;
    if (
      event.resource.group === resources.replicaSets.group &&
      event.resource.plural === resources.replicaSets.plural
    ) {
      const rs = event.object as ReplicaSet;
      const old = event.oldObject;
      const key = objectKey(rs.metadata.namespace, rs.metadata.name);
      if (event.type === 'DELETED') {
        this.#needsClaim.delete(key);
        return;
      }
      if (event.type === 'ADDED' || (old && old.metadata.generation !== rs.metadata.generation)) {
        // A new template or selector: labels may (no longer) match.
        for (const pod of this.#ownedPods(rs)) this.#record(pod, false);
        this.#needsClaim.add(key);
      }
      if (event.type === 'ADDED' || (old && specOrMetaChanged(old, rs))) this.#queue.add(key);
      return;
    }
    if (
      event.resource.group !== resources.pods.group ||
      event.resource.plural !== resources.pods.plural
    )
      return;
    const pod = event.object as Pod;
    const old = event.oldObject;
    this.#record(pod, event.type === 'DELETED');
    if (event.type === 'MODIFIED' && old && !podRelevantChange(old, pod)) return;
    const labelsChanged =
      old !== undefined && !labelsEqual(old.metadata.labels, pod.metadata.labels);
    for (const version of old ? [old, pod] : [pod]) this.#enqueueOwnerOf(version, labelsChanged);
  }

  #record(pod: Readonly<Pod>, deleted: boolean): void {
    const key = objectKey(pod.metadata.namespace, pod.metadata.name);
    const ref = pod.metadata.ownerReferences?.find(
      (r) => r.controller === true && r.kind === 'ReplicaSet',
    );
    const rs = ref
      ? this.#options.cache.replicaSets.get(pod.metadata.namespace, ref.name)
      : undefined;
    const labels =
      rs && rs.metadata.uid === ref?.uid ? (rs.spec?.template?.metadata?.labels ?? {}) : undefined;
    this.#tally.record(
      key,
      deleted ? undefined : pod,
      ref?.uid,
      labels,
      isPodActive(pod),
      isPodTerminating(pod),
    );
  }

  #enqueueOwnerOf(pod: Readonly<Pod>, labelsChanged: boolean): void {
    const namespace = pod.metadata.namespace ?? '';
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true);
    if (ref) {
      if (ref.kind !== 'ReplicaSet') return;
      const key = objectKey(namespace, ref.name);
      if (labelsChanged) this.#needsClaim.add(key);
      this.#queue.add(key);
      return;
    }
    if (pod.metadata.deletionTimestamp) return;
    // An orphan: every ReplicaSet that selects it may adopt it.
    for (const rs of this.#options.cache.replicaSets.inNamespace(namespace)) {
      if (selectorMatches(rs.spec?.selector, pod.metadata.labels)) {
        this.#queue.add(objectKey(namespace, rs.metadata.name));
      }
    }
  }

  #sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const rs = this.#options.cache.replicaSets.get(namespace, name);
    if (!rs) return;
    this.#claimPods(rs, this.#needsClaim.delete(key));
    let manageError: Error | undefined;
    let diff = 0;
    let more = false;
    if (!rs.metadata.deletionTimestamp) {
      diff = this.#tally.counts(rs.metadata.uid).active - (rs.spec?.replicas ?? 1);
      const result =
        diff < 0 ? this.#createPods(rs, -diff) : diff > 0 ? this.#deletePods(rs, diff) : {};
      manageError = result.error;
      more = Math.abs(diff) > BURST_REPLICAS && !manageError;
    }
    // Creations and deletions above were counted as their events came in.
    const current = this.#options.cache.replicaSets.get(namespace, name);
    if (!current) return;
    const status = this.#calculateStatus(current, manageError, diff, Date.now());
    this.#writeStatus(current, status);
    const minReady = current.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (status.readyReplicas ?? 0) !== (status.availableReplicas ?? 0)) {
      this.#queue.addAfter(key, minReady * 1000);
    }
    if (more) this.#queue.add(key);
    if (manageError) throw manageError;
  }

  #ownedPods(rs: Readonly<ReplicaSet>): Readonly<Pod>[] {
    return this.#options.cache.pods.controlledBy(rs.metadata.uid);
  }

  /**
   * `ClaimPods`: adopts orphans the selector matches and, when labels or the selector
   * changed (`checkOwned`), releases owned pods it no longer matches.
   */
  #claimPods(rs: Readonly<ReplicaSet>, checkOwned: boolean): void {
    const { store, resources, cache } = this.#options;
    const selector = rs.spec?.selector;
    const namespace = rs.metadata.namespace ?? '';
    const deleting = Boolean(rs.metadata.deletionTimestamp);
    if (deleting || !selector) return;
    if (checkOwned) {
      for (const pod of this.#ownedPods(rs)) {
        if (selectorMatches(selector, pod.metadata.labels)) continue;
        store.update(
          resources.pods,
          namespace,
          {
            ...pod,
            metadata: {
              ...pod.metadata,
              ownerReferences: (pod.metadata.ownerReferences ?? []).filter(
                (r) => r.uid !== rs.metadata.uid,
              ),
            },
          },
          { expectedResourceVersion: pod.metadata.resourceVersion },
        );
      }
    }
    for (const pod of cache.pods.orphansIn(namespace)) {
      if (pod.metadata.deletionTimestamp || !selectorMatches(selector, pod.metadata.labels))
        continue;
      store.update(
        resources.pods,
        namespace,
        {
          ...pod,
          metadata: {
            ...pod.metadata,
            ownerReferences: [...(pod.metadata.ownerReferences ?? []), this.#controllerRef(rs)],
          },
        },
        { expectedResourceVersion: pod.metadata.resourceVersion },
      );
    }
  }

  #controllerRef(
    rs: Readonly<ReplicaSet>,
  ): NonNullable<Pod['metadata']['ownerReferences']>[number] {
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: rs.metadata.name,
      uid: rs.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    };
  }

  #createPods(rs: Readonly<ReplicaSet>, missing: number): { error?: Error } {
    const { store, resources, admitPod } = this.#options;
    const namespace = rs.metadata.namespace ?? '';
    const template = rs.spec?.template ?? {};
    const base = `${rs.metadata.name}-`.slice(0, MAX_GENERATED_BASE);
    const metadata: KubeObjectInput['metadata'] = {
      generateName: base,
      namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      ownerReferences: [this.#controllerRef(rs)],
    };
    const annotations = template.metadata?.annotations;
    if (annotations && Object.keys(annotations).length > 0)
      metadata.annotations = { ...annotations };
    // Every pod of the batch admits the same way: admit once, then only the name differs.
    const prototype = admitPod(
      { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template.spec ?? {}) },
      namespace,
    );
    const count = Math.min(missing, BURST_REPLICAS);
    for (let created = 0; created < count; created += 1) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          store.create(resources.pods, namespace, {
            ...prototype,
            metadata: { ...prototype.metadata, name: `${base}${randomSuffix()}` },
          });
          break;
        } catch (error) {
          // Generated names may collide; the API server retries those.
          if (
            error instanceof StoreError &&
            error.reason === 'AlreadyExists' &&
            attempt < NAME_ATTEMPTS
          )
            continue;
          return { error: error instanceof Error ? error : new Error(String(error)) };
        }
      }
    }
    return {};
  }

  #deletePods(rs: Readonly<ReplicaSet>, excess: number): { error?: Error } {
    const { cache, deletePod } = this.#options;
    const active = this.#ownedPods(rs).filter(isPodActive);
    const owner = controllerUid(rs);
    // Pods of every ReplicaSet of the same Deployment decide how crowded a node is.
    const related = owner
      ? cache.replicaSets
          .controlledBy(owner)
          .flatMap((sibling) => this.#ownedPods(sibling).filter(isPodActive))
      : active;
    const victims = sortPodsForDeletion(active, related).slice(0, Math.min(excess, BURST_REPLICAS));
    for (const pod of victims) {
      try {
        deletePod(pod.metadata.namespace ?? '', pod.metadata.name, pod.metadata.uid);
      } catch (error) {
        if (error instanceof StoreError && error.reason === 'NotFound') continue;
        return { error: error instanceof Error ? error : new Error(String(error)) };
      }
    }
    return {};
  }

  #calculateStatus(
    rs: Readonly<ReplicaSet>,
    manageError: Error | undefined,
    diff: number,
    now: number,
  ): ReplicaSetStatus {
    const counts = this.#tally.counts(rs.metadata.uid);
    const minReady = rs.spec?.minReadySeconds ?? 0;
    let available = counts.ready;
    if (minReady > 0) {
      // Availability depends on how long each pod has been ready: only then walk the pods.
      available = this.#ownedPods(rs).filter(
        (p) => isPodActive(p) && isPodAvailable(p, minReady, now),
      ).length;
    }
    let conditions: ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
    const failure = conditions.find((c) => c.type === 'ReplicaFailure');
    if (manageError && !failure) {
      conditions.push({
        type: 'ReplicaFailure',
        status: 'True',
        lastTransitionTime: kubeTime(now),
        reason: diff < 0 ? 'FailedCreate' : 'FailedDelete',
        message: manageError.message,
      });
    } else if (!manageError && failure) {
      conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
    }
    // Zero counts are omitted on the wire (omitempty), except `replicas` and the pointer
    // `terminatingReplicas` (DeploymentReplicaSetTerminatingReplicas, on since 1.35).
    const status: ReplicaSetStatus = { replicas: counts.active };
    if (counts.fullyLabeled) status.fullyLabeledReplicas = counts.fullyLabeled;
    if (counts.ready) status.readyReplicas = counts.ready;
    if (available) status.availableReplicas = available;
    if (rs.metadata.generation) status.observedGeneration = rs.metadata.generation;
    status.terminatingReplicas = counts.terminating;
    if (conditions.length > 0) status.conditions = conditions;
    return status;
  }

  #writeStatus(rs: Readonly<ReplicaSet>, status: ReplicaSetStatus): void {
    if (isDeepStrictEqual(rs.status, status)) return;
    this.#options.store.update(
      this.#options.resources.replicaSets,
      rs.metadata.namespace,
      { ...rs, status },
      { subresource: 'status', expectedResourceVersion: rs.metadata.resourceVersion },
    );
  }
}

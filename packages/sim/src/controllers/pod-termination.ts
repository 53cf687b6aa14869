/**
 * Graceful pod deletion as the API server performs a pod DELETE: the pod is not removed
 * but marked with `deletionTimestamp` (now + grace period) and
 * `deletionGracePeriodSeconds`; the kubelet then stops it and removes it. Pods that never
 * reached a node, pods in a terminal phase and a grace period of 0 are removed at once, as
 * the API server does. Endpoints drop a pod as soon as it is marked, before it disappears.
 */
import { StoreError, type KubeObject, type ObjectStore } from '../store/object-store.js';
import type { ResourceType } from '../store/resource-types.js';
import { kubeTime } from '../go-faithful/kube-time.js';
import { viewAs, type Pod } from './kube-shapes.js';

/** Options of a pod deletion. */
export interface PodDeletionOptions {
  /** Grace period; undefined uses the pod's `terminationGracePeriodSeconds` (default 30). */
  gracePeriodSeconds?: number;
  /** Delete only this incarnation (uid) or version of the pod. */
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** What a pod deletion did. */
export interface PodDeletionResult {
  /** `terminating`: marked, the kubelet removes it later; `deleted`: removed now. */
  outcome: 'terminating' | 'deleted';
  /** The pod after the operation (as deleted, for `deleted`). */
  pod: KubeObject;
}

const CONFLICT_ATTEMPTS = 5;

/**
 * Deletes a pod gracefully. Throws the store's NotFound / Conflict errors like the API
 * server's DELETE would.
 */
export function deletePodGracefully(
  store: ObjectStore,
  pods: ResourceType,
  namespace: string,
  name: string,
  options: PodDeletionOptions = {},
): PodDeletionResult {
  for (let attempt = 1; ; attempt += 1) {
    const current = viewAs<Pod>(store.peek(pods, namespace, name));
    if (!current) throw store.notFound(pods, name);
    const pre = options.preconditions;
    if (pre?.uid !== undefined || pre?.resourceVersion !== undefined) {
      // The store raises the precondition failures with the API server's wording.
      store.delete(pods, namespace, name, { dryRun: true, preconditions: pre });
    }
    const grace = options.gracePeriodSeconds ?? current.spec?.terminationGracePeriodSeconds ?? 30;
    const phase = current.status?.phase;
    const immediate =
      grace <= 0 || !current.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed';
    if (current.metadata.deletionTimestamp) {
      const previous = current.metadata.deletionGracePeriodSeconds;
      // A second DELETE may only shorten the grace period.
      if (!immediate && typeof previous === 'number' && grace >= previous) {
        return { outcome: 'terminating', pod: structuredClone(current) };
      }
    }
    if (immediate) {
      return {
        outcome: 'deleted',
        pod: store.delete(pods, namespace, name, { preconditions: { uid: current.metadata.uid } }),
      };
    }
    try {
      const pod = store.update(
        pods,
        namespace,
        {
          ...current,
          metadata: {
            ...current.metadata,
            deletionTimestamp: kubeTime(Date.now() + grace * 1000),
            deletionGracePeriodSeconds: grace,
          },
        },
        { expectedResourceVersion: current.metadata.resourceVersion },
      );
      return { outcome: 'terminating', pod };
    } catch (error) {
      if (
        !(error instanceof StoreError && error.reason === 'Conflict') ||
        attempt >= CONFLICT_ATTEMPTS
      )
        throw error;
    }
  }
}

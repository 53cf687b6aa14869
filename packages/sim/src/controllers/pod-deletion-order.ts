/**
 * Which pods a ReplicaSet deletes first when scaling down, in Kubernetes' order
 * (`controller.ActivePodsWithRanks` with LogarithmicScaleDown, on by default):
 * unscheduled before scheduled, Pending before Unknown before Running, not ready before
 * ready, lower `controller.kubernetes.io/pod-deletion-cost` first, pods on nodes crowded
 * with related pods first, ready for less time first, more restarts first, newer first.
 * Times are compared on a log2 scale of their age, ties broken by uid.
 */
import { parseKubeTime } from '../go-faithful/kube-time.js';
import type { Pod } from './kube-shapes.js';
import { isPodReady } from './kubelet.js';

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Readonly<Pod>): number {
  const raw = pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  const value = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isFinite(value) ? value : 0;
}

function readySince(pod: Readonly<Pod>): number | undefined {
  if (!isPodReady(pod)) return undefined;
  return parseKubeTime(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
}

function maxRestarts(pod: Readonly<Pod>): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((s) => s.restartCount));
}

function logRank(time: number, now: number): number {
  const age = now - time;
  // Go compares log2 of nanosecond durations.
  return age > 0 ? Math.floor(Math.log2(age * 1e6)) : -1;
}

/**
 * Go's time rule: undefined (no decision) when equal; a zero time first; otherwise the
 * younger by log2 age first, ties broken by uid.
 */
function timeLess(
  t1: number | undefined,
  t2: number | undefined,
  now: number,
  uid1: string,
  uid2: string,
): boolean | undefined {
  if (t1 === t2) return undefined;
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  const diff = logRank(t1, now) - logRank(t2, now);
  if (diff === 0) return uid1 < uid2;
  return diff < 0;
}

/**
 * `pods` sorted so the ones to delete first come first. `relatedPods` (active pods of every
 * ReplicaSet of the same Deployment) decide how crowded each pod's node is.
 */
export function sortPodsForDeletion(
  pods: readonly Readonly<Pod>[],
  relatedPods: readonly Readonly<Pod>[],
  now: number = Date.now(),
): Readonly<Pod>[] {
  const onNode = new Map<string, number>();
  for (const pod of relatedPods) {
    const node = pod.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({
    pod,
    node: pod.spec?.nodeName ?? '',
    phase: PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0,
    ready: isPodReady(pod),
    cost: deletionCost(pod),
    rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0,
    readySince: readySince(pod),
    restarts: maxRestarts(pod),
    created: parseKubeTime(pod.metadata.creationTimestamp),
  }));
  type Ranked = (typeof ranked)[number];
  // `ActivePodsWithRanks.Less`: true when `a` should be deleted before `b`.
  const less = (a: Ranked, b: Ranked): boolean => {
    if (a.node !== b.node && (a.node === '' || b.node === '')) return a.node === '';
    if (a.phase !== b.phase) return a.phase < b.phase;
    if (a.ready !== b.ready) return !a.ready;
    if (a.cost !== b.cost) return a.cost < b.cost;
    if (a.rank !== b.rank) return a.rank > b.rank;
    if (a.ready && b.ready) {
      const byReady = timeLess(
        a.readySince,
        b.readySince,
        now,
        a.pod.metadata.uid,
        b.pod.metadata.uid,
      );
      if (byReady !== undefined) return byReady;
    }
    if (a.restarts !== b.restarts) return a.restarts > b.restarts;
    return timeLess(a.created, b.created, now, a.pod.metadata.uid, b.pod.metadata.uid) ?? false;
  };
  ranked.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
  return ranked.map((r) => r.pod);
}

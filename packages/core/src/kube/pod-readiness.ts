/**
 * Whether a pod can serve: Running, its Ready condition true, and not terminating. The
 * engine counts these before sending a slot traffic; the gates port-forward to one of them.
 */
import type { Pod } from './kube-types.js';

/** True when the pod is being deleted (it has a `deletionTimestamp`). */
export function isPodTerminating(pod: Pod): boolean {
  return Boolean(pod.metadata.deletionTimestamp);
}

/** True when the pod is Running, Ready and not being deleted. */
export function isPodReady(pod: Pod): boolean {
  return (
    !isPodTerminating(pod) &&
    pod.status?.phase === 'Running' &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

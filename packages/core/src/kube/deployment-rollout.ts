/**
 * Whether a Deployment's rollout is complete, in progress or failed, the way
 * `kubectl rollout status` decides it.
 */
import type { Deployment } from './kube-types.js';

/** A Deployment's rollout, summarised. */
export interface RolloutStatus {
  /** `complete`: every desired pod runs the current template and is available; `failed`: progress deadline exceeded. */
  state: 'complete' | 'progressing' | 'failed';
  /** Desired replicas (`spec.replicas`, default 1). */
  desired: number;
  /** Pods on the current template. */
  updated: number;
  /** Ready pods. */
  ready: number;
  /** Available pods. */
  available: number;
  /** Pods of any template. */
  total: number;
  /** Condition reason when failed (`ProgressDeadlineExceeded`). */
  reason?: string | undefined;
  /** Condition message when failed. */
  message?: string | undefined;
  /** One line for humans: `2/3 updated, 1/3 available`. */
  summary: string;
}

/** Summarises `deployment`'s rollout from its metadata, spec and status. */
export function rolloutStatus(deployment: Deployment): RolloutStatus {
  const status = deployment.status ?? {};
  const desired = deployment.spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  const base = { desired, updated, ready, available, total };
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (observed && progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      ...base,
      state: 'failed',
      reason: progressing.reason,
      message: progressing.message,
      summary: `progress deadline exceeded: ${progressing.message ?? `${updated}/${desired} updated`}`,
    };
  }
  if (!observed) {
    return {
      ...base,
      state: 'progressing',
      summary: 'waiting for the controller to observe the latest generation',
    };
  }
  const complete = updated >= desired && total <= updated && available >= updated;
  const summary =
    `${updated}/${desired} updated, ${available}/${desired} available` +
    (total > updated ? `, ${total - updated} old pods left` : '');
  return { ...base, state: complete ? 'complete' : 'progressing', summary };
}

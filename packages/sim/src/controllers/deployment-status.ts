/**
 * Deployment status arithmetic and conditions, as Kubernetes' deployment controller does
 * them (`calculateStatus`, `SetDeploymentCondition`, `DeploymentComplete`,
 * `DeploymentProgressing`, `DeploymentTimedOut`), with the reasons and messages worded as
 * Kubernetes words them. Counts of zero are omitted, as the API omits them (omitempty).
 */
import { MAX_INT32, type EffectiveDeploymentSpec } from './deployment-defaults.js';
import type {
  Deployment,
  DeploymentCondition,
  DeploymentStatus,
  ReplicaSet,
} from './kube-shapes.js';
import { kubeTime, parseKubeTime } from '../go-faithful/kube-time.js';
import { maxUnavailableOf } from './rolling-update-bounds.js';

/** Condition reasons of a Deployment. */
export const DeploymentReason = {
  /** Progressing: a ReplicaSet was scaled as part of the rollout. */
  replicaSetUpdated: 'ReplicaSetUpdated',
  /** Progressing False: the new ReplicaSet could not be created. */
  failedRSCreate: 'ReplicaSetCreateError',
  /** Progressing: the controller created the new ReplicaSet. */
  newReplicaSet: 'NewReplicaSetCreated',
  /** Progressing: the controller found an existing new ReplicaSet. */
  foundNewRS: 'FoundNewReplicaSet',
  /** Progressing: the rollout completed. */
  newRSAvailable: 'NewReplicaSetAvailable',
  /** Progressing False: no progress within progressDeadlineSeconds. */
  timedOut: 'ProgressDeadlineExceeded',
  /** Progressing Unknown: paused. */
  paused: 'DeploymentPaused',
  /** Progressing Unknown: resumed. */
  resumed: 'DeploymentResumed',
  /** Available True. */
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  /** Available False. */
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** A replica count of a ReplicaSet's spec, defaulted like the API server does (1). */
export function specReplicas(rs: Readonly<ReplicaSet>): number {
  return rs.spec?.replicas ?? 1;
}

/** True unless progressDeadlineSeconds is the "no deadline" sentinel. */
export function hasProgressDeadline(spec: EffectiveDeploymentSpec): boolean {
  return spec.progressDeadlineSeconds !== MAX_INT32;
}

/** A new condition with both times set to now. */
export function newDeploymentCondition(
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  now: number = Date.now(),
): DeploymentCondition {
  const at = kubeTime(now);
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

/** The condition of a type, if any. */
export function getDeploymentCondition(
  status: Readonly<DeploymentStatus> | undefined,
  type: string,
): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * `SetDeploymentCondition`: adds or replaces the condition of its type; a condition with
 * the same status and reason is left alone, and an unchanged status keeps its transition
 * time. Replaced conditions move to the end, as in Kubernetes.
 */
export function setDeploymentCondition(
  status: DeploymentStatus,
  condition: DeploymentCondition,
): void {
  const current = getDeploymentCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status)
    next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

/** Removes the condition of a type. */
export function removeDeploymentCondition(status: DeploymentStatus, type: string): void {
  const remaining = (status.conditions ?? []).filter((c) => c.type !== type);
  if (remaining.length > 0) status.conditions = remaining;
  else delete status.conditions;
}

function sum(
  replicaSets: readonly (Readonly<ReplicaSet> | undefined)[],
  pick: (rs: Readonly<ReplicaSet>) => number,
): number {
  let total = 0;
  for (const rs of replicaSets) if (rs) total += pick(rs);
  return total;
}

/**
 * `GetTerminatingReplicaCountForReplicaSets`: the sum of the ReplicaSets' terminating pods;
 * never-synced ReplicaSets do not count, and one synced without a count makes it unknown.
 */
function terminatingReplicas(
  replicaSets: readonly (Readonly<ReplicaSet> | undefined)[],
): number | undefined {
  let total = 0;
  for (const rs of replicaSets) {
    if (!rs) continue;
    const count = rs.status?.terminatingReplicas;
    if (count === undefined) {
      if ((rs.status?.observedGeneration ?? 0) === 0) continue;
      return undefined;
    }
    total += count;
  }
  return total;
}

/** `calculateStatus`: counts from the ReplicaSets' statuses, and the Available condition. */
export function calculateDeploymentStatus(
  allRSs: readonly (Readonly<ReplicaSet> | undefined)[],
  newRS: Readonly<ReplicaSet> | undefined,
  deployment: Readonly<Deployment>,
  spec: EffectiveDeploymentSpec,
  now: number = Date.now(),
): DeploymentStatus {
  const available = sum(allRSs, (rs) => rs.status?.availableReplicas ?? 0);
  const total = sum(allRSs, specReplicas);
  const counts = {
    observedGeneration: deployment.metadata.generation ?? 0,
    replicas: sum(allRSs, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: sum([newRS], (rs) => rs.status?.replicas ?? 0),
    readyReplicas: sum(allRSs, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    // More available than desired happens while scaling down; never report negative.
    unavailableReplicas: Math.max(0, total - available),
  };
  const status: DeploymentStatus = {};
  for (const [field, value] of Object.entries(counts)) {
    if (value !== 0) status[field as keyof typeof counts] = value;
  }
  if (deployment.status?.collisionCount !== undefined)
    status.collisionCount = deployment.status.collisionCount;
  const terminating = terminatingReplicas(allRSs);
  if (terminating !== undefined) status.terminatingReplicas = terminating;
  if (deployment.status?.conditions?.length)
    status.conditions = deployment.status.conditions.map((c) => ({ ...c }));
  if (available >= spec.replicas - maxUnavailableOf(spec)) {
    setDeploymentCondition(
      status,
      newDeploymentCondition(
        'Available',
        'True',
        DeploymentReason.minimumReplicasAvailable,
        'Deployment has minimum availability.',
        now,
      ),
    );
  } else {
    setDeploymentCondition(
      status,
      newDeploymentCondition(
        'Available',
        'False',
        DeploymentReason.minimumReplicasUnavailable,
        'Deployment does not have minimum availability.',
        now,
      ),
    );
  }
  return status;
}

/** `DeploymentComplete`: all desired replicas updated and available, no old ones, generation observed. */
export function deploymentComplete(
  spec: EffectiveDeploymentSpec,
  generation: number | undefined,
  status: Readonly<DeploymentStatus> | undefined,
): boolean {
  return (
    (status?.updatedReplicas ?? 0) === spec.replicas &&
    (status?.replicas ?? 0) === spec.replicas &&
    (status?.availableReplicas ?? 0) === spec.replicas &&
    (status?.observedGeneration ?? 0) >= (generation ?? 0)
  );
}

/** `DeploymentProgressing`: new pods updated, ready or available, or old pods gone, since `old`. */
export function deploymentProgressing(
  old: Readonly<DeploymentStatus> | undefined,
  next: Readonly<DeploymentStatus>,
): boolean {
  const oldOld = (old?.replicas ?? 0) - (old?.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old?.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old?.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old?.availableReplicas ?? 0)
  );
}

/** `DeploymentTimedOut`: the Progressing condition is older than the deadline (or already timed out). */
export function deploymentTimedOut(
  spec: EffectiveDeploymentSpec,
  status: Readonly<DeploymentStatus>,
  now: number = Date.now(),
): boolean {
  if (!hasProgressDeadline(spec)) return false;
  const condition = getDeploymentCondition(status, 'Progressing');
  if (!condition) return false;
  if (condition.reason === DeploymentReason.newRSAvailable) return false;
  if (condition.reason === DeploymentReason.timedOut) return true;
  const from = parseKubeTime(condition.lastUpdateTime);
  return from !== undefined && from + spec.progressDeadlineSeconds * 1000 < now;
}

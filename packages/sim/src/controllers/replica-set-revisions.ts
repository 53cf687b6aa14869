/**
 * How a Deployment marks its ReplicaSets (Kubernetes' `deployment/util`): the revision
 * annotations (`deployment.kubernetes.io/revision`, `revision-history`), the replica
 * annotations (`desired-replicas`, `max-replicas`), the annotations copied from the
 * Deployment, and template identity ignoring `pod-template-hash`.
 */
import { isDeepStrictEqual } from 'node:util';
import type { PodTemplateSpec, ReplicaSet } from './kube-shapes.js';
import { defaultPodTemplate } from './pod-defaults.js';

/** Revision of a ReplicaSet's template in the Deployment's history. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Earlier revisions a ReplicaSet served (rollbacks). */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** Deployment replicas when the ReplicaSet was last scaled by it. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** Deployment replicas + maxSurge at that time. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** The label that tells ReplicaSets (and their pods) of one Deployment apart. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const MAX_REVISION_HISTORY_CHARS = 2000;
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** The revision number of a ReplicaSet: 0 without annotation, undefined when unparsable. */
export function revisionOf(rs: Readonly<ReplicaSet>): number | undefined {
  const value = rs.metadata.annotations?.[REVISION_ANNOTATION];
  if (value === undefined) return 0;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** `MaxRevision`: highest revision among ReplicaSets, skipping unparsable ones. */
export function maxRevision(replicaSets: readonly Readonly<ReplicaSet>[]): number {
  let max = 0;
  for (const rs of replicaSets) max = Math.max(max, revisionOf(rs) ?? 0);
  return max;
}

/** An int annotation of a ReplicaSet, if present and valid. */
export function intAnnotation(rs: Readonly<ReplicaSet>, key: string): number | undefined {
  const value = rs.metadata.annotations?.[key];
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

/** `SetReplicasAnnotations`: true when the annotations changed. */
export function setReplicasAnnotations(
  annotations: Record<string, string>,
  desired: number,
  max: number,
): boolean {
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/**
 * `SetNewReplicaSetAnnotations`: copies the Deployment's annotations (except revision,
 * replica and last-applied ones), raises the revision to `newRevision` keeping the old one
 * in the history, and for a ReplicaSet about to be created adds the replica annotations.
 * Returns true when `annotations` changed.
 */
export function setNewReplicaSetAnnotations(
  deploymentAnnotations: Readonly<Record<string, string>> | undefined,
  annotations: Record<string, string>,
  newRevision: number,
  exists: boolean,
  replicas: { desired: number; max: number },
): boolean {
  let changed = false;
  for (const [key, value] of Object.entries(deploymentAnnotations ?? {})) {
    if (NOT_COPIED.has(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  const oldRevision = annotations[REVISION_ANNOTATION];
  if (oldRevision !== undefined && !/^\d+$/.test(oldRevision)) return false;
  const oldNumber = oldRevision === undefined ? 0 : Number(oldRevision);
  if (oldNumber < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) {
      // Rolling back to this ReplicaSet: remember the revisions it served before.
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      if (!history) {
        annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
      } else {
        const entries = history.split(',');
        let length = history.length + oldRevision.length + 1;
        let start = 0;
        while (length > MAX_REVISION_HISTORY_CHARS && start < entries.length) {
          length -= (entries[start] as string).length + 1;
          start += 1;
        }
        if (length <= MAX_REVISION_HISTORY_CHARS) {
          annotations[REVISION_HISTORY_ANNOTATION] = [...entries.slice(start), oldRevision].join(
            ',',
          );
        }
      }
    }
  }
  if (!exists && setReplicasAnnotations(annotations, replicas.desired, replicas.max))
    changed = true;
  return changed;
}

function withoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const defaulted = defaultPodTemplate(template);
  const metadata = { ...(defaulted.metadata ?? {}) };
  const labels = { ...(metadata.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  // Like apimachinery's semantic equality, an empty map equals an absent one.
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  else delete metadata.labels;
  if (metadata.annotations && Object.keys(metadata.annotations).length === 0)
    delete metadata.annotations;
  return { ...defaulted, metadata };
}

/** `EqualIgnoreHash`: templates equal once defaulted and stripped of `pod-template-hash`. */
export function templatesEqualIgnoringHash(
  a: PodTemplateSpec | undefined,
  b: PodTemplateSpec | undefined,
): boolean {
  return isDeepStrictEqual(withoutHash(a), withoutHash(b));
}

/** `ReplicaSetsByCreationTimestamp`: older first, then by name. */
export function byCreation(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const ta = a.metadata.creationTimestamp;
  const tb = b.metadata.creationTimestamp;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** `ReplicaSetsByRevision`: lower revision first, then by creation. */
export function byRevision(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const ra = revisionOf(a) ?? 0;
  const rb = revisionOf(b) ?? 0;
  return ra === rb ? byCreation(a, b) : ra - rb;
}

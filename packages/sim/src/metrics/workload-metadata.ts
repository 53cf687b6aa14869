/**
 * The workload identity an Istio proxy knows about its own pod and exchanges with its peer
 * (metadata exchange), from which the `source_*` / `destination_*` metric labels come.
 *
 * Rules reproduced:
 * - Workload name: the controller owner, with a ReplicaSet's `-<pod-template-hash>`
 *   suffix removed, so a Deployment's pods report the Deployment name; the pod name for
 *   pods without a controller (Istio's `workloadNameFromPod` logic).
 * - App: label `app`; version: label `app.kubernetes.io/version`, else `version`
 *   (istio.md section 3); missing values read `unknown`.
 * - Canonical service: `service.istio.io/canonical-name`, else `app.kubernetes.io/name`,
 *   else `app`, else the workload name; canonical revision:
 *   `service.istio.io/canonical-revision`, else `app.kubernetes.io/version`, else
 *   `version`, else `latest` (Istio `pkg/model` `CanonicalService`).
 * - Principal: `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`; the service
 *   account defaults to `default`.
 */
import type { KubeObject } from '../store/object-store.js';

/** What a proxy knows about its workload. */
export interface WorkloadMetadata {
  /** Workload (Deployment) name. */
  workload: string;
  /** Pod namespace. */
  namespace: string;
  /** `app` label, or `unknown`. */
  app: string;
  /** `app.kubernetes.io/version` or `version` label, or `unknown`. */
  version: string;
  /** Canonical service name. */
  canonicalService: string;
  /** Canonical revision. */
  canonicalRevision: string;
  /** SPIFFE identity of the pod's service account. */
  principal: string;
  /** Cluster id (`Kubernetes` in a single-cluster install). */
  cluster: string;
}

/** Mesh-wide settings that enter workload identities. */
export interface MeshIdentitySettings {
  /** Trust domain of SPIFFE identities; Istio's default is `cluster.local`. */
  trustDomain: string;
  /** Cluster id; Istio's default is `Kubernetes`. */
  clusterId: string;
}

/** Istio's defaults: trust domain `cluster.local`, cluster id `Kubernetes`. */
export const DEFAULT_MESH_IDENTITY: MeshIdentitySettings = Object.freeze({
  trustDomain: 'cluster.local',
  clusterId: 'Kubernetes',
});

const UNKNOWN = 'unknown';

interface PodShape {
  metadata: KubeObject['metadata'];
  spec?: { serviceAccountName?: string; serviceAccount?: string };
}

/** The workload name Istio reports for a pod: the Deployment for Deployment pods. */
export function workloadNameOfPod(pod: Pick<KubeObject, 'metadata'>): string {
  const owner =
    pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return pod.metadata.name;
  if (owner.kind === 'ReplicaSet') {
    const hash = pod.metadata.labels?.['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`)) return owner.name.slice(0, -hash.length - 1);
  }
  return owner.name;
}

/** Workload metadata of a pod. */
export function workloadMetadataOfPod(
  pod: Pick<KubeObject, 'metadata'>,
  settings: MeshIdentitySettings = DEFAULT_MESH_IDENTITY,
): WorkloadMetadata {
  const labels = pod.metadata.labels ?? {};
  const namespace = pod.metadata.namespace ?? 'default';
  const workload = workloadNameOfPod(pod);
  const spec = (pod as PodShape).spec;
  const serviceAccount = spec?.serviceAccountName || spec?.serviceAccount || 'default';
  return {
    workload,
    namespace,
    app: labels.app ?? UNKNOWN,
    version: labels['app.kubernetes.io/version'] ?? labels.version ?? UNKNOWN,
    canonicalService:
      labels['service.istio.io/canonical-name'] ??
      labels['app.kubernetes.io/name'] ??
      labels.app ??
      workload,
    canonicalRevision:
      labels['service.istio.io/canonical-revision'] ??
      labels['app.kubernetes.io/version'] ??
      labels.version ??
      'latest',
    principal: `spiffe://${settings.trustDomain}/ns/${namespace}/sa/${serviceAccount}`,
    cluster: settings.clusterId,
  };
}

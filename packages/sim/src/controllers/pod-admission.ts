/**
 * What the API server does to a pod between the create request and storage: the
 * ServiceAccount, Priority and DefaultTolerationSeconds admission plugins, Istio's
 * injection webhook, defaulting (again after the webhook, as the API server does), and the
 * pod strategy's initial status (`Pending` with the QoS class). The ReplicaSet controller
 * creates its pods through this; the API server should call it for pods clients create.
 */
import { defaultPodSpec, podQosClass } from './pod-defaults.js';
import {
  injectSidecar,
  sidecarInjectionRequired,
  type PodInput,
  type SidecarInjectionOptions,
} from './sidecar-injector.js';

/** Cluster facts admission needs. */
export interface PodAdmissionContext {
  /** Labels of the pod's namespace (injection is decided by them); undefined if unlabelled. */
  namespaceLabels: Readonly<Record<string, string>> | undefined;
  /** How istiod injects. */
  injection: SidecarInjectionOptions;
}

const DEFAULT_TOLERATIONS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/** A copy of a pod to create, admitted and defaulted as the API server would store it. */
export function admitPodCreate(
  pod: PodInput,
  namespace: string,
  context: PodAdmissionContext,
): PodInput {
  let admitted = structuredClone(pod);
  const spec = (admitted.spec ??= {});
  // ServiceAccount admission.
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  if (
    sidecarInjectionRequired(
      admitted,
      namespace,
      context.namespaceLabels,
      context.injection.revision,
    )
  ) {
    admitted = injectSidecar(admitted, namespace, context.injection);
  }
  const defaulted = defaultPodSpec(admitted.spec);
  // The deprecated alias is kept in step by conversion to v1.
  defaulted.serviceAccount = defaulted.serviceAccountName;
  defaulted.enableServiceLinks ??= true;
  // Priority admission, for pods without a priority class.
  defaulted.priority ??= 0;
  defaulted.preemptionPolicy ??= 'PreemptLowerPriority';
  // DefaultTolerationSeconds admission.
  const tolerations = [...((defaulted.tolerations as Record<string, unknown>[] | undefined) ?? [])];
  for (const key of DEFAULT_TOLERATIONS) {
    if (
      !tolerations.some(
        (t) => t.key === key && (t.effect === 'NoExecute' || t.effect === undefined),
      )
    ) {
      tolerations.push({ effect: 'NoExecute', key, operator: 'Exists', tolerationSeconds: 300 });
    }
  }
  defaulted.tolerations = tolerations;
  admitted.spec = defaulted;
  admitted.status = { phase: 'Pending', qosClass: podQosClass(defaulted) };
  return admitted;
}

/**
 * Object references and names the checks share: refs of the target objects, the labels of
 * a slot's pods (its Deployment's template) and its live pods, and Istio's sidecar.
 */
import type { ObjectRef } from '../errors.js';
import type { Slot } from '../istio/route-target.js';
import type { Deployment, Pod } from '../kube/kube-types.js';
import { isPodReady, isPodTerminating } from '../kube/pod-readiness.js';
import { matchesLabelSelector } from '../kube/label-selector.js';
import type { PreflightContext } from './preflight-context.js';

/** The container Istio injects. */
export const ISTIO_PROXY = 'istio-proxy';

/** The Service's ref. */
export function serviceRef(context: PreflightContext): ObjectRef {
  return { kind: 'Service', namespace: context.spec.namespace, name: context.spec.service };
}

/** The VirtualService's ref. */
export function virtualServiceRef(context: PreflightContext): ObjectRef {
  return {
    kind: 'VirtualService',
    namespace: context.spec.namespace,
    name: context.spec.target.virtualService,
  };
}

/** The HTTPRoute's ref. */
export function httpRouteRef(context: PreflightContext): ObjectRef {
  return {
    kind: 'HTTPRoute',
    namespace: context.spec.namespace,
    name: context.spec.target.httpRoute,
  };
}

/** A slot Service's ref (HTTPRoute). */
export function slotServiceRef(context: PreflightContext, slot: Slot): ObjectRef {
  return {
    kind: 'Service',
    namespace: context.spec.namespace,
    name: context.spec.target.slots[slot].service,
  };
}

/** The DestinationRule's ref. */
export function destinationRuleRef(context: PreflightContext): ObjectRef {
  return {
    kind: 'DestinationRule',
    namespace: context.spec.namespace,
    name: context.spec.target.destinationRule,
  };
}

/** A slot Deployment's ref. */
export function deploymentRef(context: PreflightContext, slot: Slot): ObjectRef {
  return {
    kind: 'Deployment',
    namespace: context.spec.namespace,
    name: context.spec.target.slots[slot].deployment,
  };
}

/** Labels the Deployment gives its pods (`spec.template.metadata.labels`). */
export function templateLabels(deployment: Deployment | undefined): Record<string, string> {
  return deployment?.spec.template.metadata?.labels ?? {};
}

/** Live (not terminating) pods the slot's Deployment owns, by its selector. */
export function slotPods(context: PreflightContext, slot: Slot): Pod[] {
  const deployment = context.deployments[slot];
  if (!deployment || !context.pods.ok) return [];
  return context.pods.value.filter(
    (pod) =>
      !isPodTerminating(pod) && matchesLabelSelector(pod.metadata.labels, deployment.spec.selector),
  );
}

/** Ready pods among `pods`. */
export function readyPods(pods: readonly Pod[]): Pod[] {
  return pods.filter(isPodReady);
}

/** Whether a pod runs Istio's sidecar (a container, or a native-sidecar init container). */
export function hasIstioProxy(pod: Pod): boolean {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
    (container) => container.name === ISTIO_PROXY,
  );
}

/** `a, b and 3 more`. */
export function listSome(names: readonly string[], max = 3): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

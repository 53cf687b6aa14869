/**
 * Reads what `detectDataplanePath` needs from the cluster: the service's namespace and pods,
 * the Gateway its waypoint binding names with that Gateway's pods, and the pods of the
 * namespace with a sidecar of their own (callers routing by their sidecar). Every read is
 * one call; a namespace that cannot be read counts as unlabelled (no ambient, no binding),
 * and a waypoint Gateway that cannot be read as missing, which the path's problems name.
 */
import type { CallOptions, KubeObject, Namespace, Pod, Service } from '../kube/kube-types.js';
import { isPodReady } from '../kube/pod-readiness.js';
import type { PodLister } from '../kube/resource-apis.js';
import {
  detectDataplanePath,
  GATEWAY_NAME_LABEL,
  isAmbientPod,
  waypointBindingOf,
  type DataplanePath,
  type PodFacts,
  type WaypointGatewayFacts,
} from './dataplane-path.js';

/** A Gateway API Gateway, the fields detection reads. */
export interface GatewayObject extends KubeObject {
  /** Class. */
  spec: { gatewayClassName?: string; [field: string]: unknown };
  /** Addresses and conditions. */
  status?: {
    addresses?: { type?: string; value: string }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    [field: string]: unknown;
  };
}

/** The reads detection makes. */
export interface DataplaneReaders {
  /** Namespaces (cluster-scoped `get`). */
  namespaces: {
    get(namespace: string, name: string, options?: CallOptions): Promise<Namespace | undefined>;
  };
  /** Pods. */
  pods: PodLister;
  /** Gateway API Gateways. */
  gateways: {
    get(namespace: string, name: string, options?: CallOptions): Promise<GatewayObject | undefined>;
  };
}

/** Whether `pod` runs a sidecar: injected (`sidecar.istio.io/status`), or an `istio-proxy` running `proxy sidecar`. */
export function hasSidecar(pod: Pod): boolean {
  if (pod.metadata.annotations?.['sidecar.istio.io/status'] !== undefined) return true;
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return containers.some((c) => {
    if (c.name !== 'istio-proxy') return false;
    const args = Array.isArray(c.args) ? (c.args as unknown[]) : [];
    // pilot-agent's `proxy <type>`: a sidecar when the type is left out.
    return args[0] !== 'proxy' || (args[1] ?? 'sidecar') === 'sidecar';
  });
}

function podFacts(pod: Pod): PodFacts {
  return { name: pod.metadata.name, labels: pod.metadata.labels, sidecar: hasSidecar(pod) };
}

function selectorOf(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

async function waypointFacts(
  readers: DataplaneReaders,
  namespace: string,
  name: string,
  options: CallOptions,
): Promise<WaypointGatewayFacts | undefined> {
  const gateway = await readers.gateways.get(namespace, name, options).catch(() => undefined);
  if (!gateway) return undefined;
  const pods = await readers.pods
    .list(namespace, { ...options, labelSelector: `${GATEWAY_NAME_LABEL}=${name}` })
    .catch(() => []);
  const programmed = gateway.status?.conditions?.find((c) => c.type === 'Programmed');
  return {
    namespace,
    name,
    gatewayClassName: gateway.spec.gatewayClassName,
    labels: gateway.metadata.labels,
    programmed,
    addresses: (gateway.status?.addresses ?? []).map((a) => a.value),
    readyPods: pods.filter(isPodReady).length,
  };
}

/** The data-plane path of `service` (see `dataplane-path.ts`). */
export async function readDataplanePath(
  readers: DataplaneReaders,
  service: Service,
  options: CallOptions = {},
): Promise<DataplanePath> {
  const namespaceName = service.metadata.namespace ?? '';
  const [namespaceObject, namespacePods] = await Promise.all([
    readers.namespaces.get('', namespaceName, options).catch(() => undefined),
    readers.pods.list(namespaceName, options),
  ]);
  const namespace = namespaceObject
    ? { name: namespaceName, labels: namespaceObject.metadata.labels }
    : undefined;
  const selector = service.spec?.selector ?? {};
  const selected = Object.keys(selector).length > 0 ? selectorOf(selector) : undefined;
  const own = selected
    ? namespacePods.filter((pod) =>
        Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v),
      )
    : [];
  const serviceFacts = { name: service.metadata.name, labels: service.metadata.labels };
  const pods = own.map(podFacts);
  const binding = pods.some((pod) => isAmbientPod(pod, namespace))
    ? waypointBindingOf(serviceFacts, namespace, namespaceName)
    : undefined;
  const waypoint =
    binding && !('none' in binding)
      ? await waypointFacts(readers, binding.namespace, binding.name, options)
      : undefined;
  const ownNames = new Set(own.map((pod) => pod.metadata.name));
  const sidecarCallers = namespacePods
    .filter((pod) => !ownNames.has(pod.metadata.name) && pod.status?.phase === 'Running')
    .filter(hasSidecar)
    .map((pod) => pod.metadata.name)
    .sort();
  return detectDataplanePath(
    { namespace, service: serviceFacts, pods, waypoint, sidecarCallers },
    namespaceName,
  );
}

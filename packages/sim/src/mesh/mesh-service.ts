/**
 * A Kubernetes Service as istiod's service registry sees it: FQDN host name, cluster IP,
 * and ports with their resolved Istio protocol.
 */
import type { KubeObject } from '../store/object-store.js';
import { serviceFqdn } from './istio-host.js';
import { resolveServicePortProtocol, type ServicePortProtocol } from './service-protocol.js';

/** One Service port. */
export interface MeshServicePort {
  /** Port name; undefined when the Service port is unnamed. */
  name: string | undefined;
  /** Service port number. */
  port: number;
  /** Istio protocol resolved from appProtocol / name. */
  protocol: ServicePortProtocol;
  /** `targetPort`: a number, a container port name, or undefined (the port itself). */
  targetPort?: number | string | undefined;
}

/** A Service in the registry. */
export interface MeshService {
  /** Service name. */
  name: string;
  /** Service namespace. */
  namespace: string;
  /** `name.namespace.svc.cluster.local`. */
  hostname: string;
  /** `spec.clusterIP`; undefined when unset or headless. */
  clusterIP: string | undefined;
  /** Ports in declaration order. */
  ports: readonly MeshServicePort[];
  /** `spec.selector`; undefined without one (the Service selects no pods itself). */
  selector?: Readonly<Record<string, string>> | undefined;
}

interface ServiceSpecShape {
  clusterIP?: unknown;
  type?: unknown;
  selector?: unknown;
  ports?: {
    name?: unknown;
    port?: unknown;
    protocol?: unknown;
    appProtocol?: unknown;
    targetPort?: unknown;
  }[];
}

/**
 * Converts a stored Service; undefined for Services the registry does not model
 * (ExternalName).
 */
export function meshServiceFromObject(object: Readonly<KubeObject>): MeshService | undefined {
  const spec = (object.spec ?? {}) as ServiceSpecShape;
  if (spec.type === 'ExternalName') return undefined;
  const namespace = object.metadata.namespace ?? 'default';
  const clusterIP =
    typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIP !== 'None'
      ? spec.clusterIP
      : undefined;
  const ports: MeshServicePort[] = [];
  for (const port of spec.ports ?? []) {
    if (typeof port.port !== 'number') continue;
    const name = typeof port.name === 'string' && port.name !== '' ? port.name : undefined;
    ports.push({
      name,
      port: port.port,
      protocol: resolveServicePortProtocol({
        name,
        protocol: typeof port.protocol === 'string' ? port.protocol : undefined,
        appProtocol: typeof port.appProtocol === 'string' ? port.appProtocol : undefined,
      }),
      targetPort:
        typeof port.targetPort === 'number' || typeof port.targetPort === 'string'
          ? port.targetPort
          : undefined,
    });
  }
  const selector =
    spec.selector !== null && typeof spec.selector === 'object' && !Array.isArray(spec.selector)
      ? (spec.selector as Record<string, string>)
      : undefined;
  return {
    name: object.metadata.name,
    namespace,
    hostname: serviceFqdn(object.metadata.name, namespace),
    clusterIP,
    ports,
    selector: selector && Object.keys(selector).length > 0 ? selector : undefined,
  };
}

/**
 * The ports of a sidecar's inbound clusters (`inbound|<port>||`, Istio 1.10+): the target
 * ports of every Service of the pod's namespace whose selector matches its labels (istiod's
 * ServiceTargets); a named target port is the pod's container port of that name (left out
 * when the pod has none). Sorted, without duplicates.
 */
export function inboundPorts(
  services: readonly MeshService[],
  pod: {
    namespace: string;
    labels: Readonly<Record<string, string>>;
    containerPorts: Readonly<Record<string, number>>;
  },
): number[] {
  const ports = new Set<number>();
  for (const service of services) {
    const selector = service.selector;
    if (service.namespace !== pod.namespace || !selector) continue;
    if (!Object.entries(selector).every(([k, v]) => pod.labels[k] === v)) continue;
    for (const port of service.ports) {
      const target = port.targetPort ?? port.port;
      const number = typeof target === 'number' ? target : pod.containerPorts[target];
      if (number !== undefined) ports.add(number);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

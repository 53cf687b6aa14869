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
}

interface ServiceSpecShape {
  clusterIP?: unknown;
  type?: unknown;
  ports?: { name?: unknown; port?: unknown; protocol?: unknown; appProtocol?: unknown }[];
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
    });
  }
  return {
    name: object.metadata.name,
    namespace,
    hostname: serviceFqdn(object.metadata.name, namespace),
    clusterIP,
    ports,
  };
}

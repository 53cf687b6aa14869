/**
 * istiod's endpoint view at one moment: the ready addresses of each Service port, read
 * from the Service's Endpoints object (which follows pod readiness) and joined with pod
 * labels for subset selection. Built lazily and memoised; a new index is made whenever
 * Endpoints or pod labels change.
 */
import type { ObjectStore } from '../store/object-store.js';
import type { ResourceType } from '../store/resource-types.js';
import type { EndpointAddress } from './cluster-config.js';
import type { MeshService, MeshServicePort } from './mesh-service.js';

interface EndpointsShape {
  subsets?: {
    addresses?: {
      ip?: unknown;
      targetRef?: { kind?: unknown; name?: unknown; namespace?: unknown };
    }[];
    ports?: { name?: unknown; port?: unknown }[];
  }[];
}

/** Ready endpoints per Service port, read from the store on first use. */
export class EndpointIndex {
  readonly #store: ObjectStore;
  readonly #endpointsType: ResourceType | undefined;
  readonly #podsType: ResourceType | undefined;
  readonly #memo = new Map<string, readonly EndpointAddress[]>();

  constructor(
    store: ObjectStore,
    endpointsType: ResourceType | undefined,
    podsType: ResourceType | undefined,
  ) {
    this.#store = store;
    this.#endpointsType = endpointsType;
    this.#podsType = podsType;
  }

  /** Ready addresses of a Service port (notReadyAddresses are excluded, as in EDS). */
  endpointsOf(service: MeshService, port: MeshServicePort): readonly EndpointAddress[] {
    const key = `${service.namespace}/${service.name}/${port.port}`;
    const cached = this.#memo.get(key);
    if (cached) return cached;
    const computed = this.#compute(service, port);
    this.#memo.set(key, computed);
    return computed;
  }

  #compute(service: MeshService, port: MeshServicePort): readonly EndpointAddress[] {
    if (!this.#endpointsType) return [];
    const endpoints = this.#store.peek(this.#endpointsType, service.namespace, service.name) as
      (EndpointsShape & object) | undefined;
    if (!endpoints) return [];
    const out: EndpointAddress[] = [];
    for (const subset of endpoints.subsets ?? []) {
      const subsetPort = matchingPort(subset.ports ?? [], port, service.ports.length);
      if (subsetPort === undefined) continue;
      for (const address of subset.addresses ?? []) {
        if (typeof address.ip !== 'string') continue;
        const ref = address.targetRef;
        const isPod = ref?.kind === 'Pod' && typeof ref.name === 'string';
        const namespace =
          isPod && typeof ref.namespace === 'string' ? ref.namespace : service.namespace;
        const podName = isPod ? (ref.name as string) : '';
        let labels: Readonly<Record<string, string>> = {};
        if (isPod && this.#podsType) {
          labels = this.#store.peek(this.#podsType, namespace, podName)?.metadata.labels ?? {};
        }
        out.push({
          endpoint: Object.freeze({ namespace, pod: podName, ip: address.ip, port: subsetPort }),
          labels,
        });
      }
    }
    return out;
  }
}

/**
 * The Endpoints port for a Service port: same name (Kubernetes copies Service port names
 * into Endpoints); an unnamed single port matches the single Endpoints port.
 */
function matchingPort(
  ports: readonly { name?: unknown; port?: unknown }[],
  servicePort: MeshServicePort,
  servicePortCount: number,
): number | undefined {
  for (const candidate of ports) {
    const name =
      typeof candidate.name === 'string' && candidate.name !== '' ? candidate.name : undefined;
    if (name === servicePort.name && typeof candidate.port === 'number') return candidate.port;
  }
  if (servicePortCount === 1 && ports.length === 1 && typeof ports[0]?.port === 'number')
    return ports[0].port;
  return undefined;
}

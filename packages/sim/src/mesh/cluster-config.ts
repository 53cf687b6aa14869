/**
 * CDS + EDS as istiod builds them for a proxy, as pure functions: one outbound cluster
 * `outbound|port||fqdn` per Service port, plus `outbound|port|subset|fqdn` per subset of
 * the DestinationRule that applies to the host (Istio `pilot/pkg/networking/core/cluster.go`
 * and `cluster_builder.go`). Endpoints are the ready addresses of the Service's Endpoints
 * object whose pod labels carry the subset labels.
 */
import type { ClusterConfig, ClusterEndpoint } from './mesh-types.js';
import type { MeshService, MeshServicePort } from './mesh-service.js';
import type { ResolvedDestinationRule } from './config-visibility.js';
import { outboundClusterName } from './route-config.js';

/** A ready endpoint of a Service port, with the pod labels subsets select on. */
export interface EndpointAddress {
  /** The endpoint as clusters list it (shared by every cluster of the port). */
  endpoint: SimClusterEndpoint;
  /** Pod labels (empty when the pod is unknown). */
  labels: Readonly<Record<string, string>>;
}

/** Ready endpoints of one Service port. */
export type EndpointLookup = (
  service: MeshService,
  port: MeshServicePort,
) => readonly EndpointAddress[];

/** The DestinationRule applying to a Service, as seen by the proxy. */
export type DestinationRuleLookup = (service: MeshService) => ResolvedDestinationRule | undefined;

/** A cluster endpoint with the target port (for the EDS dump). */
export interface SimClusterEndpoint extends ClusterEndpoint {
  /** Target port on the pod. */
  port: number;
}

/** A cluster as the simulated proxy holds it. */
export interface SimClusterConfig extends ClusterConfig {
  endpoints: readonly SimClusterEndpoint[];
  /** Envoy `lb_policy` as Istio sets it; undefined means `ROUND_ROBIN` (Envoy's default, not printed). */
  lbPolicy: string | undefined;
}

/** A cluster before endpoints are attached: what CDS says. */
export interface ClusterSkeleton {
  /** Cluster name. */
  name: string;
  /** The Service. */
  service: MeshService;
  /** The Service port. */
  servicePort: MeshServicePort;
  /** Subset name, undefined for the whole Service. */
  subset: string | undefined;
  /** Subset labels endpoints must carry. */
  subsetLabels: Readonly<Record<string, string>>;
  /** Envoy `lb_policy`. */
  lbPolicy: string | undefined;
}

/** Istio's default is LEAST_REQUEST; DestinationRule `simple` maps onto Envoy's enum. */
function envoyLbPolicy(simple: string | undefined): string | undefined {
  switch (simple) {
    case undefined:
    case 'UNSPECIFIED':
    case 'LEAST_CONN':
    case 'LEAST_REQUEST':
      return 'LEAST_REQUEST';
    case 'ROUND_ROBIN':
      return undefined;
    case 'RANDOM':
      return 'RANDOM';
    case 'PASSTHROUGH':
      return 'CLUSTER_PROVIDED';
    default:
      return 'LEAST_REQUEST';
  }
}

/** CDS for a proxy: clusters of every Service port and every subset. */
export function buildClusterSkeletons(
  services: readonly MeshService[],
  destinationRuleFor: DestinationRuleLookup,
): ClusterSkeleton[] {
  const out: ClusterSkeleton[] = [];
  for (const service of services) {
    const rule = destinationRuleFor(service);
    const baseLb = envoyLbPolicy(rule?.loadBalancer);
    for (const port of service.ports) {
      out.push({
        name: outboundClusterName(port.port, '', service.hostname),
        service,
        servicePort: port,
        subset: undefined,
        subsetLabels: {},
        lbPolicy: baseLb,
      });
      for (const subset of rule?.subsets ?? []) {
        out.push({
          name: outboundClusterName(port.port, subset.name, service.hostname),
          service,
          servicePort: port,
          subset: subset.name,
          subsetLabels: subset.labels,
          lbPolicy: subset.loadBalancer !== undefined ? envoyLbPolicy(subset.loadBalancer) : baseLb,
        });
      }
    }
  }
  return out;
}

/**
 * Attaches EDS to CDS: the clusters by name, each with its endpoints at this moment.
 * Clusters with the same name, subset labels and policy are identical for every proxy, so
 * with a shared `memo` proxies in different namespaces share the cluster objects.
 */
export function attachEndpoints(
  skeletons: readonly ClusterSkeleton[],
  endpointsOf: EndpointLookup,
  memo: Map<string, SimClusterConfig> = new Map(),
): Map<string, SimClusterConfig> {
  const out = new Map<string, SimClusterConfig>();
  for (const skeleton of skeletons) {
    const memoKey = `${skeleton.name}|${skeleton.lbPolicy ?? ''}|${JSON.stringify(skeleton.subsetLabels)}`;
    const shared = memo.get(memoKey);
    if (shared) {
      out.set(skeleton.name, shared);
      continue;
    }
    const addresses = endpointsOf(skeleton.service, skeleton.servicePort);
    const labelEntries = Object.entries(skeleton.subsetLabels);
    const endpoints: SimClusterEndpoint[] = [];
    for (const address of addresses) {
      if (labelEntries.every(([key, value]) => address.labels[key] === value))
        endpoints.push(address.endpoint);
    }
    const cluster: SimClusterConfig = {
      name: skeleton.name,
      host: skeleton.service.hostname,
      port: skeleton.servicePort.port,
      endpoints,
      lbPolicy: skeleton.lbPolicy,
    };
    if (skeleton.subset !== undefined) cluster.subset = skeleton.subset;
    Object.freeze(cluster);
    memo.set(memoKey, cluster);
    out.set(skeleton.name, cluster);
  }
  return out;
}

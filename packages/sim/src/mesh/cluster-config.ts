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

/** A ready endpoint of a Service port, with what subset selection and EDS need. */
export interface EndpointAddress {
  /** Pod IP. */
  ip: string;
  /** Target port number on the pod. */
  port: number;
  /** The pod behind the address, when the Endpoints object names one. */
  pod: { namespace: string; name: string } | undefined;
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

/** Attaches EDS to CDS: the clusters by name, each with its endpoints at this moment. */
export function attachEndpoints(
  skeletons: readonly ClusterSkeleton[],
  endpointsOf: EndpointLookup,
): Map<string, SimClusterConfig> {
  const out = new Map<string, SimClusterConfig>();
  for (const skeleton of skeletons) {
    const addresses = endpointsOf(skeleton.service, skeleton.servicePort);
    const labelEntries = Object.entries(skeleton.subsetLabels);
    const endpoints: SimClusterEndpoint[] = [];
    for (const address of addresses) {
      if (!labelEntries.every(([key, value]) => address.labels[key] === value)) continue;
      endpoints.push({
        namespace: address.pod?.namespace ?? skeleton.service.namespace,
        pod: address.pod?.name ?? '',
        ip: address.ip,
        port: address.port,
      });
    }
    const cluster: SimClusterConfig = {
      name: skeleton.name,
      host: skeleton.service.hostname,
      port: skeleton.servicePort.port,
      endpoints,
      lbPolicy: skeleton.lbPolicy,
    };
    if (skeleton.subset !== undefined) cluster.subset = skeleton.subset;
    out.set(skeleton.name, cluster);
  }
  return out;
}

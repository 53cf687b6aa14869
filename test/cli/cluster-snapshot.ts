/**
 * "Nothing changed": the resourceVersions of every object switchyard could touch, and
 * whether its Lease exists, read from the simulator's store.
 */
import { peekObject, type Simulator } from '@switchyard/sim';

/** What a failed command must leave exactly as it was. */
export interface ClusterSnapshot {
  virtualService: string | undefined;
  destinationRule: string | undefined;
  blue: string | undefined;
  green: string | undefined;
  lease: boolean;
}

/** Reads the snapshot for bookinfo/reviews. */
export function clusterSnapshot(sim: Simulator, service = 'reviews'): ClusterSnapshot {
  const rv = (group: string, plural: string, name: string): string | undefined =>
    peekObject(sim, group, plural, 'bookinfo', name)?.metadata.resourceVersion;
  return {
    virtualService: rv('networking.istio.io', 'virtualservices', service),
    destinationRule: rv('networking.istio.io', 'destinationrules', service),
    blue: rv('apps', 'deployments', `${service}-blue`),
    green: rv('apps', 'deployments', `${service}-green`),
    lease:
      peekObject(sim, 'coordination.k8s.io', 'leases', 'bookinfo', `switchyard-${service}`) !==
      undefined,
  };
}

/** The managed route's weights per subset, read from the VirtualService in the store. */
export function liveWeights(sim: Simulator, service = 'reviews'): Record<string, number> {
  const vs = peekObject(sim, 'networking.istio.io', 'virtualservices', 'bookinfo', service) as
    | {
        spec: {
          http: { name?: string; route: { destination: { subset: string }; weight?: number }[] }[];
        };
      }
    | undefined;
  const primary = vs?.spec.http.find((route) => route.name === 'primary');
  const weights: Record<string, number> = {};
  for (const destination of primary?.route ?? []) {
    weights[destination.destination.subset] = destination.weight ?? 0;
  }
  return weights;
}

/** Names of the VirtualService's HTTP routes, in order. */
export function routeNames(sim: Simulator, service = 'reviews'): (string | undefined)[] {
  const vs = peekObject(sim, 'networking.istio.io', 'virtualservices', 'bookinfo', service) as
    { spec: { http: { name?: string }[] } } | undefined;
  return vs?.spec.http.map((route) => route.name) ?? [];
}

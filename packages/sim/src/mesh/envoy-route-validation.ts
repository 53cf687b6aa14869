/**
 * Route configurations Envoy refuses although Istio accepted the VirtualService they come
 * from. Envoy rejects (NACKs) the whole RDS update and keeps serving its previous routes;
 * istiod records the message as the type's `lastError` in syncz.
 *
 * Modelled: weighted clusters whose weights add up to more than 2^32 - 1. Istio validates
 * weights as Go `int32` and sums them in an `int32`, which wraps around, so three
 * destinations of weight 2147483647, 2147483647 and 3 pass its webhook (the sum wraps to 1);
 * Envoy sums them in 64 bits and refuses the route (`WeightedClustersConfig` in
 * source/common/router/config_impl.cc, same message).
 */
import type { EnvoyRouteConfiguration } from './mesh-types.js';

/** Largest total weight Envoy accepts for one route's weighted clusters. */
export const MAX_TOTAL_CLUSTER_WEIGHT = 4_294_967_295;

const verdicts = new WeakMap<readonly EnvoyRouteConfiguration[], string | undefined>();

/**
 * Envoy's error for the first route it would refuse in `routes`, or undefined when it takes
 * them all. Remembered per routes array: every proxy sharing a push shares the array.
 */
export function routeConfigRejection(
  routes: readonly EnvoyRouteConfiguration[],
): string | undefined {
  if (verdicts.has(routes)) return verdicts.get(routes);
  const verdict = findRejection(routes);
  verdicts.set(routes, verdict);
  return verdict;
}

function findRejection(routes: readonly EnvoyRouteConfiguration[]): string | undefined {
  for (const config of routes) {
    for (const host of config.virtual_hosts) {
      for (const route of host.routes) {
        const clusters = route.route?.weighted_clusters?.clusters;
        if (!clusters) continue;
        let total = 0;
        for (const cluster of clusters) {
          total += cluster.weight;
          // Envoy checks after each cluster, naming the route (empty when unnamed).
          if (total > MAX_TOTAL_CLUSTER_WEIGHT) {
            return `The sum of weights of all weighted clusters of route ${route.name ?? ''} exceeds ${MAX_TOTAL_CLUSTER_WEIGHT}`;
          }
        }
      }
    }
  }
  return undefined;
}

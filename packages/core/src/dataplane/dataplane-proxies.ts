/**
 * What the data-plane path changes for the sync gate and the checks: which proxies carry a
 * route change, and which Istio reporter counts the slots' requests.
 *
 * - sidecar path: the callers' sidecars (the backend's own sets), each request reported by
 *   the backend's usual reporter (`destination` for a VirtualService, whose slots are
 *   workloads; `source` for an HTTPRoute, whose slots are Services).
 * - waypoint path: the waypoint's proxies (`proxy_type: waypoint`, its pods selected by
 *   `gateway.networking.k8s.io/gateway-name`) as well as the sidecars of the backend's sets:
 *   with no sidecar caller that set is empty, in a mixed mesh its callers route by their own
 *   sidecar. The backend's pods are ambient (no sidecar, so no `destination` report): a
 *   request is reported by the waypoint (`reporter="waypoint"`, `destination_service_name`
 *   the Service it routed to, `destination_version` the pod's canonical revision) or, from a
 *   caller with a sidecar, by that sidecar (`source`). Each request is counted once.
 * - ztunnel path: no proxy applies L7 routes to mesh traffic; only the backend's sets remain
 *   (doctor reports the path as an error).
 */
import type { ProxySet } from '../gates/sync-gate.js';
import { GATEWAY_NAME_LABEL, type DataplanePath } from './dataplane-path.js';

/** The reporter a backend's slots are counted by on the sidecar path. */
export type SidecarReporter = 'source' | 'destination';

/** The proxy sets of `path`: the backend's own `sets` plus the waypoint's proxies. */
export function dataplaneProxySets(
  path: DataplanePath,
  sets: readonly ProxySet[],
): readonly ProxySet[] {
  if (path.kind !== 'waypoint') return sets;
  return [
    ...sets,
    {
      proxyTypes: ['waypoint'],
      namespaces: [path.waypoint.namespace],
      selector: `${GATEWAY_NAME_LABEL}=${path.waypoint.name}`,
    },
  ];
}

/** The `reporter` label matcher of the slots' requests on `path`. */
export function reporterMatcher(path: DataplanePath, sidecarReporter: SidecarReporter): string {
  if (path.kind !== 'waypoint') return `reporter="${sidecarReporter}"`;
  return path.sidecarCallers.length > 0 ? 'reporter=~"source|waypoint"' : 'reporter="waypoint"';
}

/** Who reports the slots' requests on `path`, for the checks' descriptions. */
export function describeReporter(path: DataplanePath, sidecarReporter: SidecarReporter): string {
  const matcher = reporterMatcher(path, sidecarReporter);
  if (path.kind !== 'waypoint')
    return `as the ${sidecarReporter === 'source' ? 'callers’ sidecars' : 'slot’s sidecars'} report them (${matcher})`;
  return path.sidecarCallers.length > 0
    ? `as waypoint ${path.waypoint.name} and the callers’ sidecars report them (${matcher})`
    : `as waypoint ${path.waypoint.name} reports them (${matcher})`;
}

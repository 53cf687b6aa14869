/**
 * A waypoint's routes as Envoy's `config_dump` shows them (docs/conformance-mesh.md,
 * "Ambient mode"). A waypoint has no RDS: istiod inlines the route configuration of each
 * Service it serves in the HTTP connection manager of a filter chain of the `main_internal`
 * listener (the listener ztunnel's connections arrive on), the chain named after the
 * Service's VIP cluster, `inbound-vip|<port>|http|<fqdn>`, and so is the route configuration.
 * Its clusters are the waypoint's own: `inbound-vip|<port>|http|<fqdn>` for a Service,
 * `inbound-vip|<port>|http/<subset>|<fqdn>` for a DestinationRule subset, where a sidecar has
 * `outbound|<port>||<fqdn>` and `outbound|<port>|<subset>|<fqdn>`.
 *
 * Pure: the route reader (`envoy-route-reader.ts`, for the data-plane verifier and the push
 * fence) fetches `?resource=dynamic_listeners`, this finds the route configuration there,
 * and `envoy-route-dump.ts` judges it as it judges a sidecar's.
 */
import { isJsonObject } from '../json-diff/json-value.js';
import { LISTENERS, sectionElements } from './config-dump-sections.js';
import type { DataplaneExpectation } from './dataplane-verifier.js';
import { outboundCluster, type DynamicRouteConfig } from './envoy-route-dump.js';

/** The waypoint's listener for the connections ztunnel brings it. */
export const WAYPOINT_MAIN_LISTENER = 'main_internal';

const HCM = 'envoy.filters.network.http_connection_manager';
/** The waypoint's cluster (and filter chain) of a Service port: `inbound-vip|<port>|http|<fqdn>`. */
export function waypointVipCluster(port: number, host: string, subset = ''): string {
  return `inbound-vip|${port}|http${subset ? `/${subset}` : ''}|${host}`;
}

/**
 * The waypoint's name of a sidecar's outbound cluster (`outbound|<port>|<subset>|<fqdn>`);
 * any other name is returned as it is.
 */
export function waypointClusterOf(outbound: string): string {
  const parts = outbound.split('|');
  if (parts.length !== 4 || parts[0] !== 'outbound') return outbound;
  const [, port, subset, host] = parts as [string, string, string, string];
  return waypointVipCluster(Number(port), host, subset);
}

/** The active dynamic listeners of a config_dump answer, with their `version_info`. */
function dynamicListeners(body: unknown): { version: string; listener: Record<string, unknown> }[] {
  const out: { version: string; listener: Record<string, unknown> }[] = [];
  for (const element of sectionElements(body, LISTENERS)) {
    const active = element.active_state;
    if (!isJsonObject(active) || !isJsonObject(active.listener)) continue;
    const version = typeof active.version_info === 'string' ? active.version_info : '';
    out.push({ version, listener: active.listener });
  }
  return out;
}

/**
 * The route configuration a waypoint applies to requests for `host`:`port` (the inline
 * `route_config` of `main_internal`'s chain for the Service's VIP), as a dynamic route
 * configuration carrying the listener's `version_info`; undefined when the waypoint has no
 * such chain (it does not serve the Service).
 *
 * @throws ConfigDumpFormatError when the answer is not a config dump at all.
 */
export function waypointRouteConfig(
  body: unknown,
  host: string,
  port: number,
): DynamicRouteConfig | undefined {
  const chainName = waypointVipCluster(port, host);
  for (const { version, listener } of dynamicListeners(body)) {
    if (listener.name !== WAYPOINT_MAIN_LISTENER) continue;
    const chains = Array.isArray(listener.filter_chains) ? listener.filter_chains : [];
    for (const chain of chains) {
      if (!isJsonObject(chain) || chain.name !== chainName) continue;
      for (const filter of Array.isArray(chain.filters) ? chain.filters : []) {
        if (!isJsonObject(filter) || filter.name !== HCM || !isJsonObject(filter.typed_config))
          continue;
        const routeConfig = filter.typed_config.route_config;
        if (isJsonObject(routeConfig)) return { version, routeConfig };
      }
    }
  }
  return undefined;
}

/** `expectation` (in a sidecar's cluster names) in the waypoint's cluster names. */
export function waypointExpectation(expectation: DataplaneExpectation): DataplaneExpectation {
  const clusters = Object.fromEntries(
    Object.keys(expectation.weights).map((key) => [
      key,
      waypointClusterOf(
        expectation.clusters?.[key] ?? outboundCluster(expectation.port, key, expectation.host),
      ),
    ]),
  );
  return { ...expectation, clusters };
}

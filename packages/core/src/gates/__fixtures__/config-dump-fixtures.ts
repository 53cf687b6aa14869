/**
 * Envoy `config_dump?resource=dynamic_route_configs` answers shaped like Envoy's
 * (docs/reference/istio.md §2), for the reviews service on port 9080.
 */
export const FQDN = 'reviews.bookinfo.svc.cluster.local';

export const cluster = (subset: string, port = 9080, host = FQDN): string =>
  `outbound|${port}|${subset}|${host}`;

/** A header route to `subset` named like switchyard's pre-release route. */
export function headerRoute(subset: string, name = 'switchyard-reviews-prerelease') {
  return {
    name,
    match: { prefix: '/', headers: [{ name: 'x-release', string_match: { exact: 'candidate' } }] },
    route: { cluster: cluster(subset), timeout: '0s' },
  };
}

/** The traffic split route; one non-zero weight becomes `route.cluster` when `single`. */
export function splitRoute(
  weights: Record<string, number>,
  options: { name?: string; single?: boolean } = {},
) {
  const nonZero = Object.entries(weights).filter(([, w]) => w > 0);
  const route =
    options.single && nonZero.length === 1
      ? { cluster: cluster(nonZero[0]![0]), timeout: '0s' }
      : {
          weighted_clusters: {
            clusters: nonZero.map(([subset, weight]) => ({ name: cluster(subset), weight })),
          },
          timeout: '0s',
        };
  return { ...(options.name ? { name: options.name } : {}), match: { prefix: '/' }, route };
}

/** A sidecar's route configuration `9080` with the reviews virtual host. */
export function sidecarRouteConfig(routes: unknown[], version = '2026-11-02T10:00:00Z/427') {
  return {
    '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig',
    version_info: version,
    route_config: {
      '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
      name: '9080',
      virtual_hosts: [
        {
          name: 'details.bookinfo.svc.cluster.local:9080',
          domains: ['details.bookinfo.svc.cluster.local', 'details'],
          routes: [
            {
              name: 'default',
              match: { prefix: '/' },
              route: { cluster: 'outbound|9080||details.bookinfo.svc.cluster.local' },
            },
          ],
        },
        {
          name: `${FQDN}:9080`,
          domains: [FQDN, 'reviews', 'reviews.bookinfo.svc', 'reviews.bookinfo', '10.96.12.34'],
          routes,
        },
        {
          name: 'allow_any',
          domains: ['*'],
          routes: [
            { name: 'allow_any', match: { prefix: '/' }, route: { cluster: 'PassthroughCluster' } },
          ],
        },
      ],
      validate_clusters: false,
    },
    last_updated: '2026-11-02T10:00:00.123Z',
  };
}

/** A gateway's route configuration `http.8080`, host bookinfo.example.com. */
export function gatewayRouteConfig(routes: unknown[], version = '2026-11-02T10:00:00Z/427') {
  return {
    '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig',
    version_info: version,
    route_config: {
      '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
      name: 'http.8080',
      virtual_hosts: [
        {
          name: 'bookinfo.example.com:80',
          domains: ['bookinfo.example.com', 'bookinfo.example.com:*'],
          routes,
        },
      ],
    },
    last_updated: '2026-11-02T10:00:00.123Z',
  };
}

/** The `?resource=` answer. */
export function dump(...configs: unknown[]) {
  return configs.length > 0 ? { configs } : {};
}

/**
 * A waypoint's `?resource=dynamic_listeners` answer: no RDS, the reviews Service's route
 * configuration inline in `main_internal`'s chain for its VIP, `routes` in the waypoint's
 * cluster names (`waypointRoute`).
 */
export function waypointListenersDump(routes: unknown[], version = '2026-11-02T10:00:00Z/427') {
  const chain = `inbound-vip|9080|http|${FQDN}`;
  const routeConfig = {
    name: chain,
    virtual_hosts: [{ name: 'inbound|http|9080', domains: ['*'], routes }],
  };
  const listener = {
    name: 'main_internal',
    filter_chains: [
      {
        name: chain,
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: { route_config: routeConfig },
          },
        ],
      },
    ],
  };
  return {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener',
        name: 'main_internal',
        active_state: { version_info: version, listener },
      },
    ],
  };
}

/** The traffic split route as a waypoint has it: subsets as `inbound-vip|9080|http/<subset>|<fqdn>`. */
export function waypointSplitRoute(weights: Record<string, number>, name = 'primary') {
  const clusters = Object.entries(weights)
    .filter(([, w]) => w > 0)
    .map(([subset, weight]) => ({ name: `inbound-vip|9080|http/${subset}|${FQDN}`, weight }));
  return { name, match: { prefix: '/' }, route: { weighted_clusters: { clusters } } };
}

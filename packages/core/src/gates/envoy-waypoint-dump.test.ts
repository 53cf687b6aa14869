import { describe, expect, it } from 'vitest';
import { ConfigDumpFormatError } from './config-dump-sections.js';
import {
  waypointClusterOf,
  waypointRouteConfig,
  waypointVipCluster,
} from './envoy-waypoint-dump.js';

const FQDN = 'reviews.bookinfo.svc.cluster.local';
const HCM = 'envoy.filters.network.http_connection_manager';

/** A route configuration as istiod inlines it for the waypoint. */
function routeConfig(name: string) {
  return {
    name,
    virtual_hosts: [
      {
        name: `${FQDN}:9080`,
        domains: ['*'],
        routes: [
          {
            name: 'primary',
            match: { prefix: '/' },
            route: { cluster: waypointVipCluster(9080, 'reviews-blue.bookinfo.svc.cluster.local') },
          },
        ],
      },
    ],
  };
}

/** `main_internal` as a waypoint's `?resource=dynamic_listeners` dumps it. */
function listenersDump(chains: { name: string; routeConfig?: unknown }[], version = 'v7') {
  return {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener',
        name: 'connect_terminate',
        active_state: { listener: { name: 'connect_terminate', filter_chains: [] } },
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener',
        name: 'main_internal',
        active_state: {
          version_info: version,
          listener: {
            name: 'main_internal',
            internal_listener: {},
            filter_chains: chains.map((chain) => ({
              name: chain.name,
              filters: [
                { name: 'istio.metadata_exchange', typed_config: {} },
                {
                  name: HCM,
                  typed_config: chain.routeConfig
                    ? { route_config: chain.routeConfig }
                    : { rds: { route_config_name: 'x' } },
                },
              ],
            })),
          },
        },
      },
    ],
  };
}

describe('waypoint cluster names', () => {
  it('names the VIP cluster of a Service and of a subset as istiod does', () => {
    expect(waypointVipCluster(9080, FQDN)).toBe(`inbound-vip|9080|http|${FQDN}`);
    expect(waypointVipCluster(9080, FQDN, 'green')).toBe(`inbound-vip|9080|http/green|${FQDN}`);
  });

  it('maps a sidecar’s outbound cluster to the waypoint’s, and leaves other names alone', () => {
    expect(waypointClusterOf(`outbound|9080||${FQDN}`)).toBe(`inbound-vip|9080|http|${FQDN}`);
    expect(waypointClusterOf(`outbound|9080|blue|${FQDN}`)).toBe(
      `inbound-vip|9080|http/blue|${FQDN}`,
    );
    expect(waypointClusterOf('PassthroughCluster')).toBe('PassthroughCluster');
  });
});

describe('waypointRouteConfig', () => {
  const chain = waypointVipCluster(9080, FQDN);

  it('takes the inline route configuration of main_internal’s chain for the VIP and port', () => {
    const body = listenersDump([
      {
        name: waypointVipCluster(9080, 'ratings.bookinfo.svc.cluster.local'),
        routeConfig: routeConfig('other'),
      },
      { name: chain, routeConfig: routeConfig(chain) },
    ]);
    expect(waypointRouteConfig(body, FQDN, 9080)).toEqual({
      version: 'v7',
      routeConfig: routeConfig(chain),
    });
  });

  it('finds it in a full dump too, and nothing for a Service or port the waypoint does not serve', () => {
    const [, main] = listenersDump([{ name: chain, routeConfig: routeConfig(chain) }]).configs;
    const full = {
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
          dynamic_listeners: [main],
        },
      ],
    };
    expect(waypointRouteConfig(full, FQDN, 9080)?.routeConfig.name).toBe(chain);
    expect(waypointRouteConfig(full, FQDN, 9090)).toBeUndefined();
    expect(waypointRouteConfig(full, 'ratings.bookinfo.svc.cluster.local', 9080)).toBeUndefined();
    expect(waypointRouteConfig({}, FQDN, 9080)).toBeUndefined();
  });

  it('refuses an answer that is no config dump', () => {
    expect(() => waypointRouteConfig('nope', FQDN, 9080)).toThrow(ConfigDumpFormatError);
    expect(() => waypointRouteConfig({ configs: 3 }, FQDN, 9080)).toThrow(ConfigDumpFormatError);
  });
});

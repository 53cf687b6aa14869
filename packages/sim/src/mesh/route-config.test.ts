import { describe, expect, it } from 'vitest';
import {
  BOOKINFO,
  bookinfoGateways,
  bookinfoServices,
  bookinfoVirtualServices,
} from './__fixtures__/bookinfo-configs.js';
import type { IstioConfig, VirtualServiceSpec } from './istio-config.js';
import type { MeshService } from './mesh-service.js';
import {
  buildGatewayRouteConfigurations,
  buildSidecarRouteConfigurations,
  type IstioRouteConfiguration,
  type IstioVirtualHost,
} from './route-config.js';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const sidecar = { namespace: BOOKINFO, labels: { app: 'productpage', version: 'v1' } };

function vs(
  spec: VirtualServiceSpec,
  name = 'reviews',
  namespace = BOOKINFO,
): IstioConfig<VirtualServiceSpec> {
  return { name, namespace, createdAt: 0, spec };
}

function sidecarRoutes(
  virtualServices: IstioConfig<VirtualServiceSpec>[],
  options: {
    services?: MeshService[];
    proxy?: { namespace: string; labels: Record<string, string> };
    absoluteFqdnDomains?: boolean;
  } = {},
): IstioRouteConfiguration[] {
  return buildSidecarRouteConfigurations({
    proxy: options.proxy ?? sidecar,
    services: options.services ?? bookinfoServices(),
    virtualServices,
    absoluteFqdnDomains: options.absoluteFqdnDomains,
  });
}

function virtualHost(
  configs: IstioRouteConfiguration[],
  routeName: string,
  vhostName: string,
): IstioVirtualHost {
  const config = configs.find((c) => c.name === routeName);
  if (!config) throw new Error(`no route configuration ${routeName}`);
  const host = config.virtual_hosts.find((h) => h.name === vhostName);
  if (!host) throw new Error(`no virtual host ${vhostName} in ${routeName}`);
  return host;
}

describe('sidecar route configurations', () => {
  it('names one RouteConfiguration per HTTP port, with Istio flags and a virtual host per Service', () => {
    const configs = sidecarRoutes([]);
    expect(configs.map((c) => c.name)).toEqual(['9080']);
    const config = configs[0] as IstioRouteConfiguration;
    expect(config['@type']).toBe('type.googleapis.com/envoy.config.route.v3.RouteConfiguration');
    expect(config.validate_clusters).toBe(false);
    expect(config.ignore_port_in_host_matching).toBe(true);
    expect(config.virtual_hosts.map((h) => h.name)).toEqual([
      'details.bookinfo.svc.cluster.local:9080',
      'productpage.bookinfo.svc.cluster.local:9080',
      'ratings.bookinfo.svc.cluster.local:9080',
      'reviews.bookinfo.svc.cluster.local:9080',
      'allow_any',
    ]);
  });

  it('gives a Service in the proxy namespace the short-name domains and its cluster IP', () => {
    const host = virtualHost(sidecarRoutes([]), '9080', `${REVIEWS}:9080`);
    expect(host.domains).toEqual([
      REVIEWS,
      'reviews',
      'reviews.bookinfo.svc',
      'reviews.bookinfo',
      '10.96.12.34',
    ]);
  });

  it('adds the absolute FQDN after the FQDN when istiod does (1.27+)', () => {
    const same = virtualHost(
      sidecarRoutes([], { absoluteFqdnDomains: true }),
      '9080',
      `${REVIEWS}:9080`,
    );
    expect(same.domains).toEqual([
      REVIEWS,
      `${REVIEWS}.`,
      'reviews',
      'reviews.bookinfo.svc',
      'reviews.bookinfo',
      '10.96.12.34',
    ]);
    const other = virtualHost(
      sidecarRoutes([], { absoluteFqdnDomains: true, proxy: { namespace: 'shop', labels: {} } }),
      '9080',
      `${REVIEWS}:9080`,
    );
    expect(other.domains).toEqual([
      REVIEWS,
      `${REVIEWS}.`,
      'reviews.bookinfo',
      'reviews.bookinfo.svc',
      '10.96.12.34',
    ]);
  });

  it("prints fields in Envoy's field-number order, with the VirtualService named in each route's metadata", () => {
    const configs = sidecarRoutes(bookinfoVirtualServices('virtual-service-reviews-90-10.yaml'));
    expect(Object.keys(configs[0] as object)).toEqual([
      '@type',
      'name',
      'virtual_hosts',
      'validate_clusters',
      'max_direct_response_body_size_bytes',
      'ignore_port_in_host_matching',
    ]);
    const named = {
      ...bookinfoVirtualServices('virtual-service-reviews-90-10.yaml')[0]!,
      spec: {
        hosts: ['reviews'],
        http: [{ name: 'primary', route: [{ destination: { host: 'reviews', subset: 'v1' } }] }],
      },
    };
    const route = virtualHost(sidecarRoutes([named]), '9080', `${REVIEWS}:9080`).routes[0];
    expect(Object.keys(route as object)).toEqual([
      'match',
      'route',
      'metadata',
      'decorator',
      'name',
    ]);
    expect(route?.metadata).toEqual({
      filter_metadata: {
        istio: {
          config: '/apis/networking.istio.io/v1/namespaces/bookinfo/virtual-service/reviews',
        },
      },
    });
    // Routes istiod makes up itself name no config.
    const defaults = virtualHost(configs, '9080', 'productpage.bookinfo.svc.cluster.local:9080');
    expect(defaults.routes[0]?.metadata).toBeUndefined();
  });

  it('drops the bare name for a proxy in another namespace', () => {
    const host = virtualHost(
      sidecarRoutes([], { proxy: { namespace: 'shop', labels: {} } }),
      '9080',
      `${REVIEWS}:9080`,
    );
    expect(host.domains).toEqual([
      REVIEWS,
      'reviews.bookinfo',
      'reviews.bookinfo.svc',
      '10.96.12.34',
    ]);
  });

  it('routes a Service without VirtualService through the default route', () => {
    const host = virtualHost(sidecarRoutes([]), '9080', `${REVIEWS}:9080`);
    expect(host.routes).toEqual([
      {
        match: { prefix: '/' },
        route: {
          cluster: `outbound|9080||${REVIEWS}`,
          timeout: '0s',
          retry_policy: {
            retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
            num_retries: 2,
            retry_host_predicate: [
              {
                name: 'envoy.retry_host_predicates.previous_hosts',
                typed_config: {
                  '@type':
                    'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
                },
              },
            ],
            host_selection_retry_max_attempts: '5',
          },
          max_grpc_timeout: '0s',
        },
        decorator: { operation: `${REVIEWS}:9080/*` },
        name: 'default',
      },
    ]);
  });

  it('sends everything to v1 with a single destination as route.cluster (virtual-service-all-v1)', () => {
    const configs = sidecarRoutes(bookinfoVirtualServices('virtual-service-all-v1.yaml'));
    const routes = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes;
    expect(routes).toHaveLength(1);
    expect(routes[0]?.match).toEqual({ prefix: '/' });
    expect(routes[0]?.route?.cluster).toBe(`outbound|9080|v1|${REVIEWS}`);
    expect(routes[0]?.route?.weighted_clusters).toBeUndefined();
    expect(routes[0]?.route?.timeout).toBe('0s');
    expect(routes[0]?.name).toBeUndefined();
    const details = virtualHost(configs, '9080', 'details.bookinfo.svc.cluster.local:9080').routes;
    expect(details[0]?.route?.cluster).toBe('outbound|9080|v1|details.bookinfo.svc.cluster.local');
  });

  it('passes 90/10 weights through as weighted_clusters (virtual-service-reviews-90-10)', () => {
    const configs = sidecarRoutes(bookinfoVirtualServices('virtual-service-reviews-90-10.yaml'));
    const route = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes[0];
    expect(route?.route?.cluster).toBeUndefined();
    expect(route?.route?.weighted_clusters).toEqual({
      clusters: [
        { name: `outbound|9080|v1|${REVIEWS}`, weight: 90 },
        { name: `outbound|9080|v2|${REVIEWS}`, weight: 10 },
      ],
    });
  });

  it('passes 50/50 weights through (virtual-service-reviews-50-v3)', () => {
    const configs = sidecarRoutes(bookinfoVirtualServices('virtual-service-reviews-50-v3.yaml'));
    const route = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes[0];
    expect(route?.route?.weighted_clusters?.clusters).toEqual([
      { name: `outbound|9080|v1|${REVIEWS}`, weight: 50 },
      { name: `outbound|9080|v3|${REVIEWS}`, weight: 50 },
    ]);
  });

  it('does not normalise weights that do not sum to 100', () => {
    const configs = sidecarRoutes([
      vs({
        hosts: ['reviews'],
        http: [
          {
            route: [
              { destination: { host: 'reviews', subset: 'v1' }, weight: 3 },
              { destination: { host: 'reviews', subset: 'v2' }, weight: 1 },
            ],
          },
        ],
      }),
    ]);
    const clusters = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes[0]?.route
      ?.weighted_clusters?.clusters;
    expect(clusters?.map((c) => c.weight)).toEqual([3, 1]);
  });

  it('puts the header route for jason before the default route (virtual-service-reviews-jason-v2-v3)', () => {
    const configs = sidecarRoutes(
      bookinfoVirtualServices('virtual-service-reviews-jason-v2-v3.yaml'),
    );
    const routes = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes;
    expect(routes).toHaveLength(2);
    expect(routes[0]?.match).toEqual({
      prefix: '/',
      case_sensitive: true,
      headers: [{ name: 'end-user', string_match: { exact: 'jason' } }],
    });
    expect(routes[0]?.route?.cluster).toBe(`outbound|9080|v2|${REVIEWS}`);
    expect(routes[1]?.match).toEqual({ prefix: '/' });
    expect(routes[1]?.route?.cluster).toBe(`outbound|9080|v3|${REVIEWS}`);
  });

  it('drops zero-weight destinations and keeps weighted_clusters for the one left, as Istio does', () => {
    const configs = sidecarRoutes([
      vs({
        hosts: ['reviews'],
        http: [
          {
            name: 'primary',
            route: [
              { destination: { host: 'reviews', subset: 'blue' }, weight: 100 },
              { destination: { host: 'reviews', subset: 'green' }, weight: 0 },
            ],
          },
        ],
      }),
    ]);
    const route = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes[0];
    expect(route?.route?.cluster).toBeUndefined();
    expect(route?.route?.weighted_clusters).toEqual({
      clusters: [{ name: `outbound|9080|blue|${REVIEWS}`, weight: 100 }],
    });
  });

  it('uses route.cluster for a single destination even without a weight', () => {
    const configs = sidecarRoutes([
      vs({
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews', subset: 'green' } }] }],
      }),
    ]);
    expect(virtualHost(configs, '9080', `${REVIEWS}:9080`).routes[0]?.route?.cluster).toBe(
      `outbound|9080|green|${REVIEWS}`,
    );
  });

  it('names routes http[].name plus "." + match.name, one route per match entry', () => {
    const configs = sidecarRoutes([
      vs({
        hosts: ['reviews'],
        http: [
          {
            name: 'switchyard-reviews-prerelease',
            match: [
              { name: 'header', headers: { 'x-release': { exact: 'candidate' } } },
              { headers: { cookie: { regex: '.*candidate.*' } } },
            ],
            route: [{ destination: { host: 'reviews', subset: 'green' } }],
          },
          {
            name: 'primary',
            route: [
              { destination: { host: 'reviews', subset: 'blue' }, weight: 90 },
              { destination: { host: 'reviews', subset: 'green' }, weight: 10 },
            ],
          },
        ],
      }),
    ]);
    const routes = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes;
    expect(routes.map((r) => r.name)).toEqual([
      'switchyard-reviews-prerelease.header',
      'switchyard-reviews-prerelease',
      'primary',
    ]);
    expect(routes[1]?.match.headers).toEqual([
      { name: 'cookie', string_match: { safe_regex: { regex: '.*candidate.*' } } },
    ]);
    expect(routes[2]?.route?.weighted_clusters?.clusters).toEqual([
      { name: `outbound|9080|blue|${REVIEWS}`, weight: 90 },
      { name: `outbound|9080|green|${REVIEWS}`, weight: 10 },
    ]);
  });

  it('translates header prefix / regex / presence and uri exact / prefix / regex', () => {
    const configs = sidecarRoutes([
      vs({
        hosts: ['reviews'],
        http: [
          {
            match: [
              {
                uri: { exact: '/health' },
                headers: { 'x-b': { prefix: 'ab' }, 'x-a': { regex: '^v[0-9]+$' } },
              },
              { uri: { prefix: '/api' }, headers: { 'x-c': {} } },
              { uri: { regex: '/items/[0-9]+' }, withoutHeaders: { 'x-d': { exact: 'no' } } },
            ],
            route: [{ destination: { host: 'reviews', subset: 'v2' } }],
          },
        ],
      }),
    ]);
    const routes = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes;
    expect(routes[0]?.match).toEqual({
      path: '/health',
      case_sensitive: true,
      headers: [
        { name: 'x-a', string_match: { safe_regex: { regex: '^v[0-9]+$' } } },
        { name: 'x-b', string_match: { prefix: 'ab' } },
      ],
    });
    expect(routes[1]?.match).toEqual({
      prefix: '/api',
      case_sensitive: true,
      headers: [{ name: 'x-c', present_match: true }],
    });
    expect(routes[2]?.match).toEqual({
      case_sensitive: true,
      headers: [
        {
          name: 'x-d',
          invert_match: true,
          string_match: { exact: 'no' },
          treat_missing_header_as_empty: true,
        },
      ],
      safe_regex: { regex: '/items/[0-9]+' },
    });
  });

  it('stops translating after a catch-all match', () => {
    const configs = sidecarRoutes([
      vs({
        hosts: ['reviews'],
        http: [
          {
            name: 'all',
            match: [{ uri: { prefix: '/' } }],
            route: [{ destination: { host: 'reviews', subset: 'v1' } }],
          },
          { name: 'never', route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
        ],
      }),
    ]);
    expect(virtualHost(configs, '9080', `${REVIEWS}:9080`).routes.map((r) => r.name)).toEqual([
      'all',
    ]);
  });

  it('translates mirror with and without mirrorPercentage as Istio encodes runtime_fraction', () => {
    const configs = sidecarRoutes([
      vs({
        hosts: ['reviews'],
        http: [
          {
            match: [{ headers: { 'x-mirror': { exact: 'half' } } }],
            route: [{ destination: { host: 'reviews', subset: 'v1' } }],
            mirror: { host: 'reviews', subset: 'v3' },
            mirrorPercentage: { value: 10.5 },
          },
          {
            route: [{ destination: { host: 'reviews', subset: 'v1' } }],
            mirror: { host: 'reviews', subset: 'v2' },
          },
        ],
      }),
    ]);
    const routes = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes;
    expect(routes[0]?.route?.request_mirror_policies).toEqual([
      {
        cluster: `outbound|9080|v3|${REVIEWS}`,
        runtime_fraction: { default_value: { numerator: 105000, denominator: 'MILLION' } },
        trace_sampled: false,
      },
    ]);
    expect(routes[1]?.route?.request_mirror_policies).toEqual([
      {
        cluster: `outbound|9080|v2|${REVIEWS}`,
        runtime_fraction: { default_value: { numerator: 100 } },
        trace_sampled: false,
      },
    ]);
  });

  it('passes the timeout through and converts retries; attempts 0 disables retries', () => {
    const configs = sidecarRoutes([
      vs({
        hosts: ['reviews'],
        http: [
          {
            match: [{ headers: { 'x-slow': { exact: '1' } } }],
            route: [{ destination: { host: 'reviews', subset: 'v1' } }],
            timeout: '1.5s',
            retries: { attempts: 3, perTryTimeout: '500ms', retryOn: '5xx,503' },
          },
          { route: [{ destination: { host: 'reviews', subset: 'v1' } }], retries: { attempts: 0 } },
        ],
      }),
    ]);
    const routes = virtualHost(configs, '9080', `${REVIEWS}:9080`).routes;
    expect(routes[0]?.route?.timeout).toBe('1.500s');
    expect(routes[0]?.route?.retry_policy).toMatchObject({
      retry_on: '5xx,retriable-status-codes',
      num_retries: 3,
      per_try_timeout: '0.500s',
      retriable_status_codes: [503],
    });
    expect(routes[1]?.route?.retry_policy).toBeUndefined();
  });

  it('still names the cluster of a subset no DestinationRule defines', () => {
    const configs = sidecarRoutes([
      vs({
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews', subset: 'nowhere' } }] }],
      }),
    ]);
    expect(virtualHost(configs, '9080', `${REVIEWS}:9080`).routes[0]?.route?.cluster).toBe(
      `outbound|9080|nowhere|${REVIEWS}`,
    );
  });

  it('resolves short destination hosts in the VirtualService namespace', () => {
    const configs = sidecarRoutes(
      [
        vs(
          {
            hosts: ['reviews.bookinfo.svc.cluster.local'],
            http: [{ route: [{ destination: { host: 'reviews' } }] }],
          },
          'r',
          'shop',
        ),
      ],
      { proxy: { namespace: 'shop', labels: {} } },
    );
    expect(virtualHost(configs, '9080', `${REVIEWS}:9080`).routes[0]?.route?.cluster).toBe(
      'outbound|9080||reviews.shop.svc.cluster.local',
    );
  });

  it('gives TCP ports no HTTP routes (port name prefix, appProtocol wins)', () => {
    const services: MeshService[] = [
      ...bookinfoServices(),
      {
        name: 'db',
        namespace: BOOKINFO,
        hostname: 'db.bookinfo.svc.cluster.local',
        clusterIP: '10.96.0.50',
        ports: [{ name: 'tcp-db', port: 5432, protocol: 'tcp' }],
      },
    ];
    const configs = sidecarRoutes(
      [vs({ hosts: ['db'], http: [{ route: [{ destination: { host: 'db' } }] }] }, 'db')],
      { services },
    );
    expect(configs.map((c) => c.name)).toEqual(['9080']);
    expect(configs[0]?.virtual_hosts.some((h) => h.name.startsWith('db.'))).toBe(false);
  });

  it('applies match sourceLabels to the proxy labels', () => {
    const rule = vs({
      hosts: ['reviews'],
      http: [
        {
          name: 'from-productpage',
          match: [{ sourceLabels: { app: 'productpage' } }],
          route: [{ destination: { host: 'reviews', subset: 'v2' } }],
        },
        { name: 'rest', route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
      ],
    });
    const fromProductpage = virtualHost(sidecarRoutes([rule]), '9080', `${REVIEWS}:9080`).routes;
    expect(fromProductpage.map((r) => r.name)).toEqual(['from-productpage']);
    const fromRatings = virtualHost(
      sidecarRoutes([rule], { proxy: { namespace: BOOKINFO, labels: { app: 'ratings' } } }),
      '9080',
      `${REVIEWS}:9080`,
    ).routes;
    expect(fromRatings.map((r) => r.name)).toEqual(['rest']);
  });
});

describe('gateway route configurations', () => {
  it('builds http.<port> with the VirtualService routes of the bound Gateway (bookinfo-gateway)', () => {
    const configs = buildGatewayRouteConfigurations({
      proxy: { namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
      gateways: bookinfoGateways('bookinfo-gateway.yaml'),
      virtualServices: bookinfoVirtualServices('bookinfo-gateway.yaml'),
      services: bookinfoServices(),
    });
    expect(configs.map((c) => c.name)).toEqual(['http.8080']);
    const host = configs[0]?.virtual_hosts[0];
    expect(host?.name).toBe('*:8080');
    expect(host?.domains).toEqual(['*']);
    expect(host?.routes.map((r) => r.match)).toEqual([
      { path: '/productpage', case_sensitive: true },
      { prefix: '/static', case_sensitive: true },
      { path: '/login', case_sensitive: true },
      { path: '/logout', case_sensitive: true },
      { prefix: '/api/v1/products', case_sensitive: true },
    ]);
    for (const route of host?.routes ?? []) {
      expect(route.route?.cluster).toBe('outbound|9080||productpage.bookinfo.svc.cluster.local');
    }
  });

  it('answers with an empty blackhole virtual host when no VirtualService binds to the Gateway', () => {
    const configs = buildGatewayRouteConfigurations({
      proxy: { namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
      gateways: bookinfoGateways('bookinfo-gateway.yaml'),
      virtualServices: bookinfoVirtualServices('virtual-service-all-v1.yaml'),
      services: bookinfoServices(),
    });
    expect(configs[0]?.virtual_hosts).toEqual([
      { name: 'blackhole:8080', domains: ['*'], routes: [] },
    ]);
  });

  it('gives named hosts a host:* domain for any port', () => {
    const configs = buildGatewayRouteConfigurations({
      proxy: { namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
      gateways: [
        {
          name: 'shop',
          namespace: BOOKINFO,
          createdAt: 0,
          spec: {
            selector: { istio: 'ingressgateway' },
            servers: [
              {
                port: { number: 8080, name: 'http', protocol: 'HTTP' },
                hosts: ['bookinfo/shop.example.com'],
              },
            ],
          },
        },
      ],
      virtualServices: [
        vs(
          {
            hosts: ['shop.example.com'],
            gateways: ['shop'],
            http: [{ route: [{ destination: { host: 'productpage' } }] }],
          },
          'shop',
        ),
      ],
      services: bookinfoServices(),
    });
    expect(configs[0]?.virtual_hosts[0]?.name).toBe('shop.example.com:8080');
    expect(configs[0]?.virtual_hosts[0]?.domains).toEqual([
      'shop.example.com',
      'shop.example.com:*',
    ]);
  });
});

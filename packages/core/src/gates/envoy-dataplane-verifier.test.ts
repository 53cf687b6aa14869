import { describe, expect, it } from 'vitest';
import { AbortedError, DataplaneMismatchError, PortForwardError } from '../errors.js';
import type { PodLister, ServiceReader } from '../kube/resource-apis.js';
import type {
  ForwardedPort,
  ForwardedResponse,
  PortForwarder,
  PortForwardTarget,
} from '../kube/port-forward.js';
import type { DataplaneExpectation } from './dataplane-verifier.js';
import type { ProxyScope } from './sync-gate.js';
import {
  dump,
  FQDN,
  gatewayRouteConfig,
  headerRoute,
  sidecarRouteConfig,
  splitRoute,
} from './__fixtures__/config-dump-fixtures.js';
import { status } from './__fixtures__/syncz-fixtures.js';
import { EnvoyDataplaneVerifier } from './envoy-dataplane-verifier.js';

const EVERY_PROXY: ProxyScope = { sets: [{ namespaces: undefined, selector: undefined }] };

/** Envoy admin endpoints by `<pod>.<namespace>`; a missing entry fails to forward. */
class FakeEnvoys implements PortForwarder {
  readonly opened: string[] = [];
  readonly paths: string[] = [];
  openCount = 0;

  constructor(readonly dumps: Map<string, unknown>) {}

  open(target: PortForwardTarget): Promise<ForwardedPort> {
    const id = `${target.pod}.${target.namespace}`;
    this.opened.push(`${id}:${target.port}`);
    const body = this.dumps.get(id);
    if (body === undefined)
      throw new PortForwardError(
        { kind: 'Pod', namespace: target.namespace, name: target.pod },
        target.port,
        'pod not found or not running (the API server answered 404)',
      );
    this.openCount += 1;
    const fetch = (path: string): Promise<ForwardedResponse> => {
      this.paths.push(path);
      return Promise.resolve({
        status: 200,
        headers: {},
        body: Buffer.from(JSON.stringify(body)),
      });
    };
    return Promise.resolve({
      baseUrl: 'http://127.0.0.1:1',
      localPort: 1,
      target,
      lastError: undefined,
      fetch,
      close: () => {
        this.openCount -= 1;
        return Promise.resolve();
      },
    });
  }
}

const good = dump(
  sidecarRouteConfig(
    [headerRoute('green'), splitRoute({ blue: 90, green: 10 }, { name: 'primary' })],
    'v-2',
  ),
);
const stale = dump(sidecarRouteConfig([splitRoute({ blue: 100 }, { name: 'primary' })], 'v-1'));
const gateway = dump(
  gatewayRouteConfig(
    [headerRoute('green'), splitRoute({ blue: 90, green: 10 }, { name: 'primary' })],
    'v-2',
  ),
);
const expectation: DataplaneExpectation = {
  host: FQDN,
  port: 9080,
  weights: { blue: 90, green: 10 },
  routeName: 'primary',
  headerRoute: { name: 'switchyard-reviews-prerelease', present: true, destination: 'green' },
};

const proxies = [
  status({ proxy: 'productpage-1.bookinfo' }),
  status({ proxy: 'productpage-2.bookinfo' }),
  status({ proxy: 'reviews-blue-1.bookinfo' }),
  status({ proxy: 'istio-ingressgateway-1.istio-system', type: 'router' }),
];

const services: ServiceReader = {
  get: (namespace, name) =>
    Promise.resolve(
      name === 'reviews'
        ? {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name, namespace },
            spec: { selector: { app: 'reviews' } },
          }
        : undefined,
    ),
};
const pods: PodLister = {
  list: (namespace, options) =>
    Promise.resolve(
      options?.labelSelector === 'app=reviews'
        ? [
            {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: 'reviews-blue-1', namespace },
            },
          ]
        : [],
    ),
};

function verifier(envoys: FakeEnvoys, list = proxies) {
  return new EnvoyDataplaneVerifier({
    proxies: () => Promise.resolve(list),
    portForwarder: envoys,
    services,
    pods,
    random: () => 0,
  });
}

describe('EnvoyDataplaneVerifier', () => {
  it('checks gateways first, then client sidecars, and reports their route versions', async () => {
    const envoys = new FakeEnvoys(
      new Map<string, unknown>([
        ['productpage-1.bookinfo', good],
        ['productpage-2.bookinfo', good],
        ['reviews-blue-1.bookinfo', stale],
        ['istio-ingressgateway-1.istio-system', gateway],
      ]),
    );
    const checks = await verifier(envoys).verify(expectation, { scope: EVERY_PROXY, count: 2 });
    expect(checks[0]).toEqual({
      proxy: 'istio-ingressgateway-1.istio-system',
      proxyType: 'router',
      version: 'v-2',
    });
    expect(checks[1]).toMatchObject({ proxyType: 'sidecar', version: 'v-2' });
    expect(checks[1]!.proxy).toMatch(/^productpage-/);
    expect(envoys.opened.every((o) => o.endsWith(':15000'))).toBe(true);
    expect(envoys.paths[0]).toBe('/config_dump?resource=dynamic_route_configs');
    // The service's own pod is not a client of it: never inspected.
    expect(envoys.opened).not.toContain('reviews-blue-1.bookinfo:15000');
    expect(envoys.openCount).toBe(0);
  });

  it('throws DataplaneMismatchError naming the proxy, with expected and actual', async () => {
    const envoys = new FakeEnvoys(
      new Map<string, unknown>([
        ['productpage-1.bookinfo', good],
        ['productpage-2.bookinfo', stale],
        ['istio-ingressgateway-1.istio-system', gateway],
      ]),
    );
    const error = await verifier(envoys)
      .verify(expectation, { scope: EVERY_PROXY, count: 3 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataplaneMismatchError);
    const mismatch = error as DataplaneMismatchError;
    expect(mismatch.proxy).toBe('productpage-2.bookinfo');
    expect(mismatch.expected).toEqual({
      weights: { blue: 90, green: 10 },
      headerRoute: {
        present: true,
        cluster: `outbound|9080|green|${FQDN}`,
      },
    });
    expect(mismatch.actual).toMatchObject({ version: 'v-1', weights: { blue: 100 } });
    expect(mismatch.message).toContain('proxy productpage-2.bookinfo');
    expect(mismatch.message).toContain('splits blue=100, expected blue=90, green=10');
    expect(envoys.openCount).toBe(0);
  });

  it('skips proxies that do not route the service and unreachable pods', async () => {
    const unrelated = dump(gatewayRouteConfig([splitRoute({ blue: 100 }, { name: 'edge' })]));
    const envoys = new FakeEnvoys(
      new Map<string, unknown>([
        ['istio-ingressgateway-1.istio-system', unrelated],
        ['productpage-2.bookinfo', good],
      ]),
    );
    const checks = await verifier(envoys).verify(expectation, { scope: EVERY_PROXY, count: 1 });
    expect(checks.map((c) => c.proxy)).toEqual(['productpage-2.bookinfo']);
  });

  it('fails when no proxy could be reached at all', async () => {
    const envoys = new FakeEnvoys(new Map());
    await expect(
      verifier(envoys).verify(expectation, { scope: EVERY_PROXY, count: 2 }),
    ).rejects.toBeInstanceOf(PortForwardError);
  });

  it('returns nothing for count 0 and honours the abort signal', async () => {
    const envoys = new FakeEnvoys(new Map([['productpage-1.bookinfo', good]]));
    expect(await verifier(envoys).verify(expectation, { scope: EVERY_PROXY, count: 0 })).toEqual(
      [],
    );
    const aborting = new EnvoyDataplaneVerifier({
      proxies: () => Promise.resolve(proxies),
      portForwarder: {
        open: () =>
          Promise.reject(new PortForwardError({ kind: 'Pod', name: 'x' }, 15000, 'aborted')),
      },
      random: () => 0,
    });
    await expect(
      aborting.verify(expectation, { scope: EVERY_PROXY, count: 1, signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortedError);
  });

  it("picks its proxies from the scope it is given (the route backend's, not a fixed one)", async () => {
    const gateways: ProxyScope = {
      sets: [{ proxyTypes: ['router'], namespaces: ['istio-system'], selector: undefined }],
    };
    const asked: ProxyScope[] = [];
    const envoys = new FakeEnvoys(new Map([['istio-ingressgateway-1.istio-system', gateway]]));
    const checks = await new EnvoyDataplaneVerifier({
      proxies: (scope) => {
        asked.push(scope);
        return Promise.resolve(proxies.filter((p) => p.proxyType === 'router'));
      },
      portForwarder: envoys,
      random: () => 0,
    }).verify(expectation, { scope: gateways, count: 1 });
    expect(asked).toEqual([gateways]);
    expect(checks.map((c) => c.proxy)).toEqual(['istio-ingressgateway-1.istio-system']);
  });
});

describe('EnvoyDataplaneVerifier on waypoints', () => {
  const slot = (service: string) => `inbound-vip|9080|http|${service}.bookinfo.svc.cluster.local`;
  const chain = `inbound-vip|9080|http|${FQDN}`;
  /** A waypoint's `?resource=dynamic_listeners`, the route configuration inline in main_internal. */
  const waypointDump = (weights: Record<string, number>) => ({
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener',
        name: 'main_internal',
        active_state: {
          version_info: 'w-3',
          listener: {
            name: 'main_internal',
            filter_chains: [
              {
                name: chain,
                filters: [
                  {
                    name: 'envoy.filters.network.http_connection_manager',
                    typed_config: {
                      route_config: {
                        name: chain,
                        virtual_hosts: [
                          {
                            name: 'inbound|http|9080',
                            domains: ['*'],
                            routes: [
                              {
                                name: 'primary',
                                match: { prefix: '/' },
                                route: {
                                  weighted_clusters: {
                                    clusters: Object.entries(weights).map(([s, weight]) => ({
                                      name: slot(s),
                                      weight,
                                    })),
                                  },
                                },
                              },
                            ],
                          },
                        ],
                      },
                    },
                  },
                ],
              },
            ],
          },
        },
      },
    ],
  });
  const routed: DataplaneExpectation = {
    host: FQDN,
    port: 9080,
    weights: { 'reviews-blue': 90, 'reviews-green': 10 },
    clusters: {
      'reviews-blue': `outbound|9080||reviews-blue.bookinfo.svc.cluster.local`,
      'reviews-green': `outbound|9080||reviews-green.bookinfo.svc.cluster.local`,
    },
    routeName: 'primary',
    headerRoute: { name: 'switchyard-reviews-prerelease', present: false },
  };
  const mesh = [
    status({ proxy: 'productpage-1.bookinfo' }),
    status({ proxy: 'waypoint-a.bookinfo', type: 'waypoint' }),
    status({ proxy: 'waypoint-b.bookinfo', type: 'waypoint' }),
  ];

  it('reads every waypoint replica’s main_internal first, in the waypoint’s cluster names', async () => {
    const envoys = new FakeEnvoys(
      new Map([
        ['waypoint-a.bookinfo', waypointDump({ 'reviews-blue': 90, 'reviews-green': 10 })],
        ['waypoint-b.bookinfo', waypointDump({ 'reviews-blue': 90, 'reviews-green': 10 })],
        ['productpage-1.bookinfo', good],
      ]),
    );
    const checks = await verifier(envoys, mesh).verify(routed, { scope: EVERY_PROXY, count: 2 });
    expect(checks.map((c) => [c.proxy, c.proxyType, c.version])).toEqual([
      ['waypoint-b.bookinfo', 'waypoint', 'w-3'],
      ['waypoint-a.bookinfo', 'waypoint', 'w-3'],
    ]);
    expect(envoys.paths).toEqual([
      '/config_dump?resource=dynamic_listeners',
      '/config_dump?resource=dynamic_listeners',
    ]);
  });

  it('fails naming the waypoint whose listeners route otherwise', async () => {
    const envoys = new FakeEnvoys(
      new Map([
        ['waypoint-a.bookinfo', waypointDump({ 'reviews-blue': 90, 'reviews-green': 10 })],
        ['waypoint-b.bookinfo', waypointDump({ 'reviews-blue': 100 })],
      ]),
    );
    const error = await verifier(envoys, mesh)
      .verify(routed, { scope: EVERY_PROXY, count: 2 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataplaneMismatchError);
    expect((error as DataplaneMismatchError).proxy).toBe('waypoint-b.bookinfo');
    expect((error as Error).message).toMatch(/splits reviews-blue=100/);
  });
});

import { describe, expect, it } from 'vitest';
import type { DataplaneExpectation } from './dataplane-verifier.js';
import {
  cluster,
  dump,
  FQDN,
  gatewayRouteConfig,
  headerRoute,
  sidecarRouteConfig,
  splitRoute,
} from './__fixtures__/config-dump-fixtures.js';
import { ConfigDumpFormatError } from './config-dump-sections.js';
import { inspectRoutes, parseRouteConfigDump, type RouteInspection } from './envoy-route-dump.js';

const HEADER = 'switchyard-reviews-prerelease';

function expectation(
  weights: Record<string, number>,
  header: { present: boolean; destination?: string },
  routeName?: string,
): DataplaneExpectation {
  return {
    host: FQDN,
    port: 9080,
    weights,
    routeName,
    headerRoute: { name: HEADER, ...header },
  };
}

function inspect(body: unknown, exp: DataplaneExpectation, type = 'sidecar'): RouteInspection {
  return inspectRoutes(parseRouteConfigDump(body), exp, type);
}

function mismatchOf(inspection: RouteInspection): string | undefined {
  if (!inspection.relevant) throw new Error('expected a relevant inspection');
  return inspection.mismatch?.message;
}

describe('parseRouteConfigDump', () => {
  it('reads the ?resource=dynamic_route_configs form', () => {
    const configs = parseRouteConfigDump(dump(sidecarRouteConfig([], 'v-1')));
    expect(configs).toHaveLength(1);
    expect(configs[0]!.version).toBe('v-1');
    expect(configs[0]!.routeConfig.name).toBe('9080');
  });

  it('reads the full dump form and an empty dump', () => {
    const full = {
      configs: [
        { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: {} },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
          dynamic_route_configs: [sidecarRouteConfig([])],
        },
      ],
    };
    expect(parseRouteConfigDump(full)).toHaveLength(1);
    expect(parseRouteConfigDump({})).toEqual([]);
  });

  it('rejects what is not a config dump', () => {
    expect(() => parseRouteConfigDump('LIVE')).toThrow(ConfigDumpFormatError);
    expect(() => parseRouteConfigDump({ configs: 'x' })).toThrow(ConfigDumpFormatError);
  });
});

describe('inspectRoutes on a sidecar', () => {
  it('matches weights and a present header route to the candidate', () => {
    const body = dump(
      sidecarRouteConfig([
        headerRoute('green'),
        splitRoute({ blue: 90, green: 10 }, { name: 'primary' }),
      ]),
    );
    const inspection = inspect(
      body,
      expectation({ blue: 90, green: 10 }, { present: true, destination: 'green' }),
    );
    expect(inspection).toMatchObject({
      relevant: true,
      version: '2026-11-02T10:00:00Z/427',
      mismatch: undefined,
    });
    if (!inspection.relevant) return;
    expect(inspection.observed[0]).toMatchObject({
      routeConfig: '9080',
      virtualHost: `${FQDN}:9080`,
      route: 'primary',
      weights: { blue: 90, green: 10 },
      headerRoute: { present: true, cluster: cluster('green'), beforeManagedRoute: true },
    });
  });

  it('reports a weight mismatch with both splits', () => {
    const body = dump(
      sidecarRouteConfig([splitRoute({ blue: 100, green: 0 }, { name: 'primary' })]),
    );
    const inspection = inspect(body, expectation({ blue: 90, green: 10 }, { present: false }));
    expect(mismatchOf(inspection)).toBe(
      `route primary in ${FQDN}:9080 splits blue=100, expected blue=90, green=10`,
    );
    if (inspection.relevant)
      expect(inspection.mismatch?.expected.weights).toEqual({ blue: 90, green: 10 });
  });

  it('accepts a lone destination as route.cluster or as one weighted cluster', () => {
    const exp = expectation({ blue: 0, green: 100 }, { present: false });
    for (const single of [true, false]) {
      const body = dump(sidecarRouteConfig([splitRoute({ blue: 0, green: 100 }, { single })]));
      expect(mismatchOf(inspect(body, exp))).toBeUndefined();
    }
    const wrong = dump(sidecarRouteConfig([splitRoute({ blue: 100 }, { single: true })]));
    expect(mismatchOf(inspect(wrong, exp))).toMatch(/splits blue=1, expected green=100/);
  });

  it('compares shares, since Envoy passes weights through unnormalised', () => {
    const body = dump(sidecarRouteConfig([splitRoute({ blue: 9, green: 1 })]));
    expect(
      mismatchOf(inspect(body, expectation({ blue: 90, green: 10 }, { present: false }))),
    ).toBeUndefined();
  });

  it('catches a missing header route', () => {
    const body = dump(sidecarRouteConfig([splitRoute({ blue: 100 })]));
    const exp = expectation({ blue: 100, green: 0 }, { present: true, destination: 'green' });
    expect(mismatchOf(inspect(body, exp))).toBe(`header route ${HEADER} is missing`);
  });

  it('catches a header route that should be gone', () => {
    const body = dump(sidecarRouteConfig([headerRoute('green'), splitRoute({ blue: 100 })]));
    const exp = expectation({ blue: 100, green: 0 }, { present: false });
    expect(mismatchOf(inspect(body, exp))).toBe(`header route ${HEADER} is still present`);
  });

  it('catches a header route to the wrong subset, or after the split', () => {
    const exp = expectation({ blue: 100, green: 0 }, { present: true, destination: 'green' });
    const wrong = dump(sidecarRouteConfig([headerRoute('blue'), splitRoute({ blue: 100 })]));
    expect(mismatchOf(inspect(wrong, exp))).toBe(
      `header route ${HEADER} sends to ${cluster('blue')}, expected ${cluster('green')}`,
    );
    const late = dump(
      sidecarRouteConfig([splitRoute({ blue: 100 }, { name: 'primary' }), headerRoute('green')]),
    );
    expect(mismatchOf(inspect(late, { ...exp, routeName: 'primary' }))).toBe(
      `header route ${HEADER} comes after the managed route`,
    );
  });

  it('finds the managed route by name, including named matches', () => {
    const body = dump(
      sidecarRouteConfig([
        splitRoute({ blue: 100 }, { name: 'jason' }),
        splitRoute({ blue: 50, green: 50 }, { name: 'primary.api' }),
        splitRoute({ blue: 50, green: 50 }, { name: 'primary.web' }),
      ]),
    );
    const exp = expectation({ blue: 50, green: 50 }, { present: false }, 'primary');
    expect(mismatchOf(inspect(body, exp))).toBeUndefined();
    expect(mismatchOf(inspect(body, { ...exp, routeName: 'missing' }))).toBe(
      `route "missing" not found in virtual host ${FQDN}:9080`,
    );
  });

  it('without a name, prefers slot routes without header matches', () => {
    const userHeaderRoute = {
      name: 'jason',
      match: { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] },
      route: { cluster: cluster('blue') },
    };
    const body = dump(sidecarRouteConfig([userHeaderRoute, splitRoute({ blue: 70, green: 30 })]));
    expect(
      mismatchOf(inspect(body, expectation({ blue: 70, green: 30 }, { present: false }))),
    ).toBeUndefined();
  });

  it("without a name, judges the default route, not a user's path route to a slot above it", () => {
    // The crash harness's VirtualService: `user-legacy` (/legacy to blue) above the
    // pre-release route and the managed split, as istiod builds it.
    const userLegacy = {
      name: 'user-legacy',
      match: { prefix: '/legacy', case_sensitive: true },
      route: { cluster: cluster('blue'), timeout: '3s' },
    };
    const body = dump(
      sidecarRouteConfig([userLegacy, headerRoute('green'), splitRoute({ blue: 50, green: 50 })]),
    );
    const inspection = inspect(
      body,
      expectation({ blue: 50, green: 50 }, { present: true, destination: 'green' }),
    );
    expect(mismatchOf(inspection)).toBeUndefined();
    expect(inspection.relevant && inspection.observed[0]?.route).toBe('#2');
    const wrong = dump(
      sidecarRouteConfig([userLegacy, headerRoute('green'), splitRoute({ blue: 100 })]),
    );
    expect(
      mismatchOf(
        inspect(
          wrong,
          expectation({ blue: 50, green: 50 }, { present: true, destination: 'green' }),
        ),
      ),
    ).toMatch(/route #2 .* splits blue=100/);
  });

  it('checks every managed route, not just the first', () => {
    const body = dump(
      sidecarRouteConfig([
        splitRoute({ blue: 50, green: 50 }, { name: 'primary.api' }),
        splitRoute({ blue: 100 }, { name: 'primary.web' }),
      ]),
    );
    const exp = expectation({ blue: 50, green: 50 }, { present: false }, 'primary');
    expect(mismatchOf(inspect(body, exp))).toMatch(/route primary\.web .* splits blue=100/);
  });

  it('reports a route to another subset, and to another service by cluster name', () => {
    const body = dump(sidecarRouteConfig([splitRoute({ blue: 100 }, { name: 'primary' })]));
    const other = JSON.parse(
      JSON.stringify(body).replace(cluster('blue'), cluster('v1')),
    ) as unknown;
    expect(
      mismatchOf(inspect(other, expectation({ blue: 100 }, { present: false }, 'primary'))),
    ).toBe(`route primary in ${FQDN}:9080 splits v1=100, expected blue=100`);
    const ratings = cluster('blue', 9080, 'ratings.bookinfo.svc.cluster.local');
    const foreign = JSON.parse(JSON.stringify(body).replace(cluster('blue'), ratings)) as unknown;
    expect(
      mismatchOf(inspect(foreign, expectation({ blue: 100 }, { present: false }, 'primary'))),
    ).toContain(`splits ${ratings}=100`);
  });

  it('is not relevant for a proxy without the service port or virtual host', () => {
    expect(inspect({}, expectation({ blue: 100 }, { present: false })).relevant).toBe(false);
    const body = dump(sidecarRouteConfig([splitRoute({ blue: 100 })]));
    expect(
      inspect(body, { ...expectation({ blue: 100 }, { present: false }), port: 8080 }).relevant,
    ).toBe(false);
    expect(
      inspect(body, {
        ...expectation({ blue: 100 }, { present: false }),
        host: 'ratings.bookinfo.svc.cluster.local',
      }).relevant,
    ).toBe(false);
  });
});

describe('inspectRoutes on a gateway', () => {
  it('finds the managed route by name in http.<port> virtual hosts', () => {
    const body = dump(
      gatewayRouteConfig([splitRoute({ blue: 80, green: 20 }, { name: 'primary' })]),
    );
    const exp = expectation({ blue: 80, green: 20 }, { present: false }, 'primary');
    const inspection = inspect(body, exp, 'router');
    expect(inspection).toMatchObject({ relevant: true, mismatch: undefined });
    expect(
      mismatchOf(inspect(body, { ...exp, weights: { blue: 100, green: 0 } }, 'router')),
    ).toMatch(/route primary in bookinfo.example.com:80 splits blue=80, green=20/);
  });

  it('finds the managed routes through the pre-release route when they have no name', () => {
    const body = dump(gatewayRouteConfig([headerRoute('green'), splitRoute({ blue: 100 })]));
    const exp = expectation({ blue: 90, green: 10 }, { present: true, destination: 'green' });
    expect(mismatchOf(inspect(body, exp, 'router'))).toMatch(/splits blue=100/);
  });

  it('ignores routes of other VirtualServices to the service', () => {
    // A gateway VirtualService of its own sends everything to the blue subset.
    const body = dump(gatewayRouteConfig([splitRoute({ blue: 100 }, { name: 'edge' })]));
    const exp = expectation({ blue: 50, green: 50 }, { present: false }, 'primary');
    expect(inspect(body, exp, 'router').relevant).toBe(false);
    expect(inspect(body, { ...exp, routeName: undefined }, 'router').relevant).toBe(false);
  });

  it('is not relevant for a gateway without http.<port> route configurations', () => {
    const body = dump(sidecarRouteConfig([splitRoute({ blue: 100 }, { name: 'primary' })]));
    const exp = expectation({ blue: 100 }, { present: false }, 'primary');
    expect(inspect(body, exp, 'router').relevant).toBe(false);
  });
});

describe("inspectRoutes for an HTTPRoute's slot Services", () => {
  const slotCluster = (service: string) => `outbound|9080||${service}.bookinfo.svc.cluster.local`;
  const exp = (
    weights: Record<string, number>,
    header: { present: boolean; destination?: string },
  ): DataplaneExpectation => ({
    host: FQDN,
    port: 9080,
    weights,
    clusters: {
      'reviews-blue': slotCluster('reviews-blue'),
      'reviews-green': slotCluster('reviews-green'),
    },
    routeName: 'primary',
    headerRoute: { name: HEADER, ...header },
  });
  // As istiod renders an HTTPRoute: Envoy routes named after the rules, per-Service clusters,
  // a weight-0 backend left out, a lone one a plain cluster.
  const split = (weights: Record<string, number>) => {
    const nonZero = Object.entries(weights).filter(([, w]) => w > 0);
    return {
      name: 'primary',
      match: { prefix: '/' },
      route:
        nonZero.length === 1
          ? { cluster: slotCluster(nonZero[0]![0]) }
          : {
              weighted_clusters: {
                clusters: nonZero.map(([s, weight]) => ({ name: slotCluster(s), weight })),
              },
            },
    };
  };
  const header = (service: string) => ({
    name: HEADER,
    match: { prefix: '/', headers: [{ name: 'x-release', string_match: { exact: 'candidate' } }] },
    route: { cluster: slotCluster(service) },
  });

  it('reads the split by slot Service on a sidecar and on a router', () => {
    const expected = exp(
      { 'reviews-blue': 90, 'reviews-green': 10 },
      { present: true, destination: 'reviews-green' },
    );
    const routes = [header('reviews-green'), split({ 'reviews-blue': 90, 'reviews-green': 10 })];
    for (const [body, type] of [
      [dump(sidecarRouteConfig(routes)), 'sidecar'],
      [dump(gatewayRouteConfig(routes)), 'router'],
    ] as const) {
      const inspection = inspect(body, expected, type);
      expect(inspection).toMatchObject({ relevant: true, mismatch: undefined });
      if (inspection.relevant)
        expect(inspection.observed[0]?.weights).toEqual({
          'reviews-blue': 90,
          'reviews-green': 10,
        });
    }
  });

  it('expects a lone slot as a plain cluster, and names a wrong split by slot Service', () => {
    const lone = dump(sidecarRouteConfig([split({ 'reviews-blue': 100 })]));
    expect(
      mismatchOf(
        inspect(lone, exp({ 'reviews-blue': 100, 'reviews-green': 0 }, { present: false })),
      ),
    ).toBeUndefined();
    expect(
      mismatchOf(
        inspect(lone, exp({ 'reviews-blue': 80, 'reviews-green': 20 }, { present: false })),
      ),
    ).toBe(
      `route primary in ${FQDN}:9080 splits reviews-blue=1, expected reviews-blue=80, reviews-green=20`,
    );
    const toBlue = dump(
      sidecarRouteConfig([header('reviews-blue'), split({ 'reviews-blue': 100 })]),
    );
    expect(
      mismatchOf(
        inspect(
          toBlue,
          exp(
            { 'reviews-blue': 100, 'reviews-green': 0 },
            { present: true, destination: 'reviews-green' },
          ),
        ),
      ),
    ).toBe(
      `header route ${HEADER} sends to ${slotCluster('reviews-blue')}, expected ${slotCluster('reviews-green')}`,
    );
  });
});

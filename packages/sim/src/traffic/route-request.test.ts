import { describe, expect, it } from 'vitest';
import type { EnvoyRoute, ProxyConfigSnapshot } from '../mesh/mesh-types.js';
import {
  cluster,
  clusterName,
  routeConfig,
  serviceVirtualHost,
  snapshot,
  weightedRoute,
} from './__fixtures__/fake-mesh.js';
import { headerMatches, routeRequest, type HttpRequest } from './route-request.js';
import { seededRandom } from './seeded-random.js';

const FQDN = 'reviews.bookinfo.svc.cluster.local';
const BLUE = clusterName(FQDN, 9080, 'blue');
const GREEN = clusterName(FQDN, 9080, 'green');
const blueEndpoints = [{ namespace: 'bookinfo', pod: 'reviews-blue-a', ip: '10.0.0.1' }];
const greenEndpoints = [{ namespace: 'bookinfo', pod: 'reviews-green-a', ip: '10.0.0.2' }];

const prereleaseRoute: EnvoyRoute = {
  name: 'switchyard-reviews-prerelease',
  match: { prefix: '/', headers: [{ name: 'x-release', string_match: { exact: 'candidate' } }] },
  route: { cluster: GREEN, timeout: '0s' },
};

function reviewsSnapshot(routes: EnvoyRoute[], withGreen = true): ProxyConfigSnapshot {
  return snapshot(
    '2026-11-02T10:00:00Z/1',
    [routeConfig(9080, [serviceVirtualHost('reviews', 'bookinfo', 9080, routes)])],
    [
      cluster(FQDN, 9080, 'blue', blueEndpoints),
      ...(withGreen ? [cluster(FQDN, 9080, 'green', greenEndpoints)] : []),
    ],
  );
}

function request(overrides: Partial<HttpRequest> = {}): HttpRequest {
  return { host: 'reviews', port: 9080, path: '/reviews/1', headers: {}, ...overrides };
}

function chosenCluster(snap: ProxyConfigSnapshot, req: HttpRequest, seed = 1): string {
  const decision = routeRequest(snap, req, seededRandom(seed));
  if (decision.kind !== 'upstream') {
    throw new Error(
      `expected upstream, got ${decision.kind === 'local-reply' ? decision.reason : decision.kind}`,
    );
  }
  return decision.cluster.name;
}

describe('routeRequest', () => {
  it('splits 90/10 weighted clusters by weight', () => {
    const snap = reviewsSnapshot([
      weightedRoute('primary', [
        { name: BLUE, weight: 90 },
        { name: GREEN, weight: 10 },
      ]),
    ]);
    const random = seededRandom(42);
    const n = 20_000;
    let green = 0;
    for (let i = 0; i < n; i++) {
      const decision = routeRequest(snap, request(), random);
      if (decision.kind === 'upstream' && decision.cluster.name === GREEN) green++;
    }
    // Binomial standard deviation is 0.2%; allow five of them.
    expect(green / n).toBeGreaterThan(0.09);
    expect(green / n).toBeLessThan(0.11);
  });

  it('treats weights as relative', () => {
    const snap = reviewsSnapshot([
      weightedRoute('primary', [
        { name: BLUE, weight: 1 },
        { name: GREEN, weight: 3 },
      ]),
    ]);
    const random = seededRandom(7);
    let green = 0;
    for (let i = 0; i < 10_000; i++) {
      const decision = routeRequest(snap, request(), random);
      if (decision.kind === 'upstream' && decision.cluster.name === GREEN) green++;
    }
    expect(green / 10_000).toBeGreaterThan(0.73);
    expect(green / 10_000).toBeLessThan(0.77);
  });

  it('lets the first matching route win: the header route before the weighted one', () => {
    const snap = reviewsSnapshot([
      prereleaseRoute,
      weightedRoute('primary', [
        { name: BLUE, weight: 100 },
        { name: GREEN, weight: 0 },
      ]),
    ]);
    expect(chosenCluster(snap, request({ headers: { 'x-release': 'candidate' } }))).toBe(GREEN);
    expect(chosenCluster(snap, request({ headers: { 'x-release': 'other' } }))).toBe(BLUE);
    expect(chosenCluster(snap, request())).toBe(BLUE);
  });

  it('reports the matched route name', () => {
    const snap = reviewsSnapshot([prereleaseRoute]);
    const decision = routeRequest(
      snap,
      request({ headers: { 'x-release': 'candidate' } }),
      seededRandom(1),
    );
    expect(decision.routeName).toBe('switchyard-reviews-prerelease');
  });

  it('answers 503 NC when the route names a cluster the snapshot lacks', () => {
    const snap = reviewsSnapshot([weightedRoute('primary', [{ name: GREEN, weight: 100 }])], false);
    const decision = routeRequest(snap, request(), seededRandom(1));
    expect(decision).toMatchObject({
      kind: 'local-reply',
      status: 503,
      responseFlags: 'NC',
      reason: 'cluster-not-found',
      clusterName: GREEN,
    });
  });

  it('answers 404 NR without a route configuration, virtual host or matching route', () => {
    const snap = reviewsSnapshot([prereleaseRoute]);
    expect(routeRequest(snap, request({ port: 8080 }), seededRandom(1))).toMatchObject({
      status: 404,
      responseFlags: 'NR',
      reason: 'no-route-config',
    });
    expect(routeRequest(snap, request({ host: 'ratings' }), seededRandom(1))).toMatchObject({
      status: 404,
      responseFlags: 'NR',
      reason: 'no-virtual-host',
    });
    expect(routeRequest(snap, request(), seededRandom(1))).toMatchObject({
      status: 404,
      responseFlags: 'NR',
      reason: 'no-route',
    });
  });

  it('matches every domain form and ignores the port in the Host header, as Istio configures', () => {
    const snap = reviewsSnapshot([weightedRoute('primary', [{ name: BLUE, weight: 100 }])]);
    // The Host header is `<host>:9080`; the domains carry no port.
    for (const host of [FQDN, 'reviews', 'reviews.bookinfo', 'reviews.bookinfo.svc', 'REVIEWS']) {
      expect(chosenCluster(snap, request({ host }))).toBe(BLUE);
    }
  });

  it('keeps the port when a route configuration says not to ignore it', () => {
    const snap = reviewsSnapshot([weightedRoute('primary', [{ name: BLUE, weight: 100 }])]);
    const config = { ...snap.routes[0]!, ignore_port_in_host_matching: false };
    const strict = { ...snap, routes: [config] };
    expect(routeRequest(strict, request(), seededRandom(1))).toMatchObject({ responseFlags: 'NR' });
    const withPortDomain = {
      ...strict,
      routes: [
        {
          ...config,
          virtual_hosts: [{ ...config.virtual_hosts[0]!, domains: ['reviews:9080'] }],
        },
      ],
    };
    expect(chosenCluster(withPortDomain, request())).toBe(BLUE);
  });

  it('orders domains: exact, then suffix wildcard, then prefix wildcard, then *', () => {
    const route = (c: string): EnvoyRoute => ({
      match: { prefix: '/' },
      route: { cluster: c, timeout: '0s' },
    });
    const snap = snapshot(
      'v1',
      [
        routeConfig(80, [
          { name: 'any', domains: ['*'], routes: [route('any')] },
          { name: 'prefix', domains: ['api*'], routes: [route('prefix')] },
          { name: 'suffix', domains: ['*.example.com'], routes: [route('suffix')] },
          { name: 'longer-suffix', domains: ['*.api.example.com'], routes: [route('longer')] },
          { name: 'exact', domains: ['api.example.com'], routes: [route('exact')] },
        ]),
      ],
      ['any', 'prefix', 'suffix', 'longer', 'exact'].map((n) => ({
        name: n,
        host: 'x',
        port: 80,
        endpoints: [],
      })),
    );
    const at = (host: string): string => chosenCluster(snap, request({ host, port: 80 }));
    expect(at('api.example.com')).toBe('exact');
    expect(at('v1.api.example.com')).toBe('longer');
    expect(at('www.example.com')).toBe('suffix');
    expect(at('api-internal')).toBe('prefix');
    expect(at('elsewhere')).toBe('any');
    // A wildcard never matches the empty string.
    expect(at('.example.com')).toBe('any');
  });

  it('matches paths: prefix on the full path, path and safe_regex without the query', () => {
    const route = (name: string, match: EnvoyRoute['match']): EnvoyRoute => ({
      name,
      match,
      route: { cluster: BLUE, timeout: '0s' },
    });
    const snap = reviewsSnapshot([
      route('exact', { path: '/health' }),
      route('regex', { safe_regex: { regex: '/reviews/[0-9]+' } }),
      route('prefix', { prefix: '/api/' }),
    ]);
    const name = (path: string): string | undefined =>
      routeRequest(snap, request({ path }), seededRandom(1)).routeName;
    expect(name('/health?verbose=1')).toBe('exact');
    expect(name('/reviews/12?x=y')).toBe('regex');
    expect(name('/reviews/12/more')).toBeUndefined();
    expect(name('/api/v1')).toBe('prefix');
    expect(name('/healthz')).toBeUndefined();
  });

  it('fires mirrors by their runtime fraction and only to known clusters', () => {
    const mirrored = (numerator: number): ProxyConfigSnapshot =>
      reviewsSnapshot([
        {
          name: 'primary',
          match: { prefix: '/' },
          route: {
            cluster: BLUE,
            timeout: '0s',
            request_mirror_policies: [
              {
                cluster: GREEN,
                runtime_fraction: { default_value: { numerator, denominator: 'MILLION' } },
              },
              { cluster: 'outbound|9080|missing|reviews.bookinfo.svc.cluster.local' },
            ],
          },
        },
      ]);
    const random = seededRandom(3);
    const snap = mirrored(250_000);
    let mirrors = 0;
    for (let i = 0; i < 10_000; i++) {
      const decision = routeRequest(snap, request(), random);
      if (decision.kind !== 'upstream') throw new Error('expected upstream');
      mirrors += decision.mirrors.length;
      expect(decision.mirrors.every((m) => m.name === GREEN)).toBe(true);
    }
    expect(mirrors / 10_000).toBeGreaterThan(0.23);
    expect(mirrors / 10_000).toBeLessThan(0.27);
  });

  it('reads the retry policy and the timeout of the route', () => {
    const snap = reviewsSnapshot([
      {
        match: { prefix: '/' },
        route: {
          cluster: BLUE,
          timeout: '1.500s',
          retry_policy: { retry_on: '5xx', num_retries: 4 },
        },
      },
    ]);
    const decision = routeRequest(snap, request(), seededRandom(1));
    expect(decision).toMatchObject({ kind: 'upstream', timeoutMs: 1500 });
    if (decision.kind !== 'upstream') return;
    expect(decision.retryPolicy?.numRetries).toBe(4);
    expect([...(decision.retryPolicy?.retryOn ?? [])]).toEqual(['5xx']);
  });

  it('hands Istio allow_any traffic to the original destination', () => {
    const snap = snapshot(
      'v',
      [
        routeConfig(9080, [
          serviceVirtualHost('reviews', 'bookinfo', 9080, [prereleaseRoute]),
          {
            name: 'allow_any',
            domains: ['*'],
            routes: [
              {
                name: 'allow_any',
                match: { prefix: '/' },
                route: { cluster: 'PassthroughCluster', timeout: '0s' },
              },
            ],
          },
        ]),
      ],
      [],
    );
    expect(routeRequest(snap, request({ host: 'details' }), seededRandom(1))).toEqual({
      kind: 'passthrough',
      routeName: 'allow_any',
    });
  });

  it('answers direct responses itself', () => {
    const snap = reviewsSnapshot([{ match: { prefix: '/' }, direct_response: { status: 418 } }]);
    expect(routeRequest(snap, request(), seededRandom(1))).toMatchObject({
      kind: 'local-reply',
      status: 418,
      responseFlags: '-',
      reason: 'direct-response',
    });
  });
});

describe('headerMatches (Envoy HeaderUtility semantics)', () => {
  const exact = { name: 'x-release', string_match: { exact: 'candidate' } };
  it('matches exact, prefix and full-string regex values', () => {
    expect(headerMatches(exact, { 'x-release': 'candidate' })).toBe(true);
    expect(headerMatches(exact, { 'x-release': 'candidate2' })).toBe(false);
    const prefix = { name: 'x-user', string_match: { prefix: 'qa-' } };
    expect(headerMatches(prefix, { 'x-user': 'qa-anna' })).toBe(true);
    expect(headerMatches(prefix, { 'x-user': 'anna' })).toBe(false);
    const regex = { name: 'x-user', string_match: { safe_regex: { regex: 'qa-[a-z]+' } } };
    expect(headerMatches(regex, { 'x-user': 'qa-anna' })).toBe(true);
    expect(headerMatches(regex, { 'x-user': 'qa-anna1' })).toBe(false);
  });

  it('compares header names case-insensitively', () => {
    expect(headerMatches({ ...exact, name: 'X-Release' }, { 'x-release': 'candidate' })).toBe(true);
  });

  it('never matches an absent header with a value matcher, even inverted', () => {
    expect(headerMatches(exact, {})).toBe(false);
    expect(headerMatches({ ...exact, invert_match: true }, {})).toBe(false);
    expect(headerMatches({ ...exact, invert_match: true }, { 'x-release': 'stable' })).toBe(true);
  });

  it('handles present_match and its inversion', () => {
    const present = { name: 'x-debug', present_match: true };
    expect(headerMatches(present, { 'x-debug': '' })).toBe(true);
    expect(headerMatches(present, {})).toBe(false);
    const absent = { ...present, invert_match: true };
    expect(headerMatches(absent, {})).toBe(true);
    expect(headerMatches(absent, { 'x-debug': '1' })).toBe(false);
  });

  it('treats a missing header as empty when told to', () => {
    const matcher = {
      name: 'x-release',
      string_match: { exact: 'candidate' },
      invert_match: true,
      treat_missing_header_as_empty: true,
    };
    expect(headerMatches(matcher, {})).toBe(true);
  });
});

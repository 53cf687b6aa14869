import { describe, expect, it } from 'vitest';
import { RouteRefusedError, UsageError } from '../errors.js';
import { virtualServiceFixture } from './__fixtures__/load-fixtures.js';
import { findManagedRoutes } from './managed-routes.js';
import type { RouteTarget } from './route-target.js';
import type { HttpRoute, VirtualService } from './types.js';

const reviews = (subsets: readonly [string, string], routeNames?: string[]): RouteTarget => ({
  service: 'reviews',
  namespace: 'bookinfo',
  subsets,
  routeNames,
});

function virtualService(http: HttpRoute[], extra: Record<string, unknown> = {}): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'bookinfo' },
    spec: { hosts: ['reviews'], http, ...extra },
  };
}

const to = (
  host: string,
  subset?: string,
  weight?: number,
): NonNullable<HttpRoute['route']>[number] => ({
  destination: subset === undefined ? { host } : { host, subset },
  ...(weight === undefined ? {} : { weight }),
});

function managedIndices(vs: VirtualService, target: RouteTarget): number[] {
  return findManagedRoutes(vs, target).routes.map((route) => route.index);
}

function refusal(run: () => unknown): RouteRefusedError {
  try {
    run();
  } catch (error) {
    if (error instanceof RouteRefusedError) return error;
    throw error;
  }
  throw new Error('expected a RouteRefusedError');
}

describe('findManagedRoutes on Istio bookinfo samples', () => {
  it('manages the single route of virtual-service-all-v1', () => {
    const vs = virtualServiceFixture('virtual-service-all-v1.yaml', 'reviews');
    const set = findManagedRoutes(vs, reviews(['v1', 'v2']));
    expect(set.host).toBe('reviews.bookinfo.svc.cluster.local');
    expect(set.routes).toEqual([
      { index: 0, label: 'http[0] (unnamed)', route: vs.spec.http?.[0] },
    ]);
  });

  it('manages the split routes of the 90/10 and 50/50 samples with matching slot subsets', () => {
    expect(
      managedIndices(
        virtualServiceFixture('virtual-service-reviews-90-10.yaml'),
        reviews(['v1', 'v2']),
      ),
    ).toEqual([0]);
    expect(
      managedIndices(
        virtualServiceFixture('virtual-service-reviews-50-v3.yaml'),
        reviews(['v1', 'v3']),
      ),
    ).toEqual([0]);
  });

  it('manages the default route below the jason header route and leaves the header route alone', () => {
    expect(
      managedIndices(
        virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml'),
        reviews(['v3', 'v2']),
      ),
    ).toEqual([1]);
    expect(
      managedIndices(
        virtualServiceFixture('virtual-service-reviews-test-v2.yaml'),
        reviews(['v1', 'v2']),
      ),
    ).toEqual([1]);
  });

  it('manages exactly the named routes, match conditions or not', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-named.yaml');
    expect(managedIndices(vs, reviews(['v2', 'v3'], ['jason']))).toEqual([0]);
    expect(managedIndices(vs, reviews(['v2', 'v3'], ['default']))).toEqual([1]);
    expect(managedIndices(vs, reviews(['v2', 'v3'], ['default', 'jason', 'default']))).toEqual([
      0, 1,
    ]);
  });
});

describe('findManagedRoutes on realistic VirtualServices', () => {
  it('finds the service route among routes for other hosts, mesh and gateway alike', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-kitchen-sink.yaml');
    expect(findManagedRoutes(vs, reviews(['blue', 'green'])).routes.map((r) => r.label)).toEqual([
      'http[1] "reviews-default"',
    ]);
  });

  it('manages each service of a multi-service VirtualService on its own', () => {
    const vs = virtualServiceFixture('virtual-service-multi-service.yaml');
    expect(managedIndices(vs, reviews(['blue', 'green']))).toEqual([1]);
    expect(
      managedIndices(vs, { service: 'ratings', namespace: 'bookinfo', subsets: ['blue', 'green'] }),
    ).toEqual([0]);
  });

  it('recognises the host as istiod resolves it, a short name in the VirtualService namespace', () => {
    for (const host of ['reviews', 'reviews.bookinfo.svc.cluster.local']) {
      expect(
        managedIndices(virtualService([{ route: [to(host, 'blue')] }]), reviews(['blue', 'green'])),
      ).toEqual([0]);
    }
    const elsewhere = virtualService([{ route: [to('reviews', 'blue')] }]);
    elsewhere.metadata.namespace = 'frontend';
    expect(refusal(() => findManagedRoutes(elsewhere, reviews(['blue', 'green']))).reason).toBe(
      'no-matching-route',
    );
    elsewhere.spec.http = [{ route: [to('reviews.bookinfo.svc.cluster.local', 'blue')] }];
    expect(managedIndices(elsewhere, reviews(['blue', 'green']))).toEqual([0]);
  });

  it('does not take a destination only cluster DNS resolves for the service', () => {
    // istiod reads a host with a dot as fully qualified: these routes reach no Service.
    for (const host of ['reviews.bookinfo', 'reviews.bookinfo.svc']) {
      const error = refusal(() =>
        findManagedRoutes(
          virtualService([{ route: [to(host, 'blue')] }]),
          reviews(['blue', 'green']),
        ),
      );
      expect(error.reason).toBe('no-matching-route');
      expect(error.message).toContain(`→ ${host}`);
    }
  });

  it('uses the target host when it differs from the service name', () => {
    const vs = virtualService([{ route: [to('reviews-v2.bookinfo.svc.cluster.local', 'blue')] }]);
    expect(managedIndices(vs, { ...reviews(['blue', 'green']), host: 'reviews-v2' })).toEqual([0]);
  });

  it('manages a lone service route with match conditions (gateway VirtualService)', () => {
    const vs = virtualService([
      { match: [{ uri: { prefix: '/reviews' } }], route: [to('reviews', 'blue')] },
      { match: [{ uri: { prefix: '/ratings' } }], route: [to('ratings', 'v1')] },
    ]);
    expect(managedIndices(vs, reviews(['blue', 'green']))).toEqual([0]);
  });
});

describe('findManagedRoutes refusals', () => {
  it('refuses a VirtualService without http routes', () => {
    const error = refusal(() => findManagedRoutes(virtualService([]), reviews(['blue', 'green'])));
    expect(error.reason).toBe('no-http-routes');
    expect(error.object).toEqual({
      kind: 'VirtualService',
      namespace: 'bookinfo',
      name: 'reviews',
    });
    expect(error.message).toBe(
      'VirtualService bookinfo/reviews: has no http routes. Add an http route to host reviews with destination subset "blue"; switchyard manages http routes only.',
    );
  });

  it('refuses a host routed only by tcp or tls routes', () => {
    const tcp = virtualService([], {
      tcp: [{ route: [{ destination: { host: 'reviews', port: { number: 9080 } } }] }],
    });
    const error = refusal(() => findManagedRoutes(tcp, reviews(['blue', 'green'])));
    expect(error.reason).toBe('tcp-tls-only');
    expect(error.message).toContain(
      'reviews.bookinfo.svc.cluster.local is routed only by tcp[0], not by an http route',
    );
    expect(error.hint).toContain('name its Service port http-*');

    const tls = virtualService([{ route: [to('ratings', 'v1')] }], {
      tls: [{ match: [{ sniHosts: ['reviews'] }], route: [{ destination: { host: 'reviews' } }] }],
    });
    expect(refusal(() => findManagedRoutes(tls, reviews(['blue', 'green']))).message).toContain(
      'tls[0]',
    );
  });

  it('refuses when no http route sends to the service, listing where they go', () => {
    const vs = virtualService([
      { name: 'to-ratings', route: [to('ratings', 'v1')] },
      { redirect: { uri: '/' } },
    ]);
    const error = refusal(() => findManagedRoutes(vs, reviews(['blue', 'green'])));
    expect(error.reason).toBe('no-matching-route');
    expect(error.message).toContain(
      'no http route sends traffic to reviews.bookinfo.svc.cluster.local; its routes go to http[0] "to-ratings" → ratings; http[1] (unnamed) → no destinations',
    );
  });

  it('refuses an unknown route name, listing the names that exist', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-named.yaml');
    const error = refusal(() => findManagedRoutes(vs, reviews(['v2', 'v3'], ['primary'])));
    expect(error.reason).toBe('route-name-not-found');
    expect(error.message).toBe(
      'VirtualService bookinfo/reviews: has no http route named "primary"; its routes are "jason", "default". ' +
        'Pass one of the existing names, or add name: primary to the route that serves reviews.',
    );
    const unnamed = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    expect(
      refusal(() => findManagedRoutes(unnamed, reviews(['v1', 'v2'], ['main']))).message,
    ).toContain('its routes are all unnamed');
  });

  it('refuses several candidate routes without a name, telling to name the route', () => {
    const twoDefaults = virtualService([
      { route: [to('reviews', 'blue')] },
      { route: [to('reviews', 'green')] },
    ]);
    const error = refusal(() => findManagedRoutes(twoDefaults, reviews(['blue', 'green'])));
    expect(error.reason).toBe('ambiguous-routes');
    expect(error.message).toContain(
      '2 http routes send traffic to reviews.bookinfo.svc.cluster.local (http[0] (unnamed) without match conditions, http[1] (unnamed) without match conditions) and 2 are a default route',
    );
    expect(error.hint).toBe(
      'Name the route switchyard should manage (spec.http[].name) and pass that name as the route name.',
    );
    const onlyMatches = virtualService([
      { match: [{ uri: { prefix: '/a' } }], route: [to('reviews', 'blue')] },
      { match: [{ uri: { prefix: '/b' } }], route: [to('reviews', 'blue')] },
    ]);
    expect(
      refusal(() => findManagedRoutes(onlyMatches, reviews(['blue', 'green']))).message,
    ).toContain('none is a default route without match conditions');
  });

  it('refuses two routes with the same requested name', () => {
    const vs = virtualService([
      { name: 'main', route: [to('reviews', 'blue')] },
      { name: 'main', route: [to('reviews', 'blue')] },
    ]);
    expect(
      refusal(() => findManagedRoutes(vs, reviews(['blue', 'green'], ['main']))).message,
    ).toContain('has 2 http routes named "main" (http[0], http[1])');
  });

  it('refuses a delegate VirtualService, pointing at the delegate', () => {
    const vs = virtualServiceFixture('virtual-service-delegate.yaml');
    const error = refusal(() =>
      findManagedRoutes(vs, {
        service: 'productpage',
        namespace: 'bookinfo',
        subsets: ['blue', 'green'],
      }),
    );
    expect(error.reason).toBe('delegate');
    expect(error.message).toBe(
      'VirtualService istio-system/bookinfo: http[0] (unnamed) delegates to VirtualService bookinfo/productpage, whose routes switchyard cannot see or change from here. ' +
        'Manage the delegate VirtualService bookinfo/productpage instead: pass it as the VirtualService, with the name of its route that serves productpage.',
    );
  });

  it('refuses a managed route that also sends to another host', () => {
    const vs = virtualService([
      { name: 'mixed', route: [to('reviews', 'blue', 90), to('reviews-legacy', undefined, 10)] },
    ]);
    const error = refusal(() => findManagedRoutes(vs, reviews(['blue', 'green'])));
    expect(error.reason).toBe('foreign-destination');
    expect(error.message).toContain(
      'http[0] "mixed" also sends traffic to reviews-legacy, not only to reviews.bookinfo.svc.cluster.local',
    );
  });

  it('refuses destinations outside the slot subsets, naming the subset and the route', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-50-v3.yaml');
    const error = refusal(() => findManagedRoutes(vs, reviews(['blue', 'green'])));
    expect(error.reason).toBe('foreign-destination');
    expect(error.message).toBe(
      'VirtualService bookinfo/reviews: http[0] (unnamed) sends traffic to subset "v1", which is not one of the slot subsets "blue" and "green". ' +
        'Configure the slot subsets to match the route (e.g. subsets ["v1", <other>]), or move that traffic to a slot subset first.',
    );
    expect(refusal(() => findManagedRoutes(vs, reviews(['v1', 'v2']))).message).toContain(
      'subset "v3"',
    );
  });

  it('refuses a destination without subset, which reaches both slots', () => {
    const vs = virtualServiceFixture('bookinfo-gateway.yaml');
    const error = refusal(() =>
      findManagedRoutes(vs, {
        service: 'productpage',
        namespace: 'bookinfo',
        subsets: ['blue', 'green'],
      }),
    );
    expect(error.reason).toBe('foreign-destination');
    expect(error.message).toContain(
      'sends traffic to productpage without a subset, i.e. to the pods of both slots',
    );
    expect(error.hint).toContain('Set destination.subset to "blue"');
  });

  it('refuses a route listing the same subset twice', () => {
    const vs = virtualService([{ route: [to('reviews', 'blue', 50), to('reviews', 'blue', 50)] }]);
    expect(refusal(() => findManagedRoutes(vs, reviews(['blue', 'green']))).message).toContain(
      'lists subset "blue" more than once',
    );
  });

  it('refuses a named route that redirects instead of routing', () => {
    const vs = virtualService([{ name: 'moved', redirect: { uri: '/v2' } }]);
    const error = refusal(() => findManagedRoutes(vs, reviews(['blue', 'green'], ['moved'])));
    expect(error.reason).toBe('no-matching-route');
    expect(error.message).toContain('http[0] "moved" has no route destinations');
  });

  it('rejects slot subsets that are equal', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    expect(() => findManagedRoutes(vs, reviews(['v1', 'v1']))).toThrow(UsageError);
    expect(() => findManagedRoutes(vs, reviews(['v1', 'v1']))).toThrow(
      'the blue and green slots both use subset "v1"',
    );
  });
});

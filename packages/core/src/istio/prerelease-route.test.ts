import { describe, expect, it } from 'vitest';
import { RouteRefusedError, UsageError } from '../errors.js';
import { virtualServiceFixture } from './__fixtures__/load-fixtures.js';
import { findManagedRoutes } from './managed-routes.js';
import {
  findPrereleaseRoute,
  removePrereleaseRoute,
  setPrereleaseRoute,
  validateHeaderConditions,
} from './prerelease-route.js';
import type { RouteTarget } from './route-target.js';
import { setSlotWeights } from './slot-weights.js';
import type { HttpRoute, VirtualService } from './types.js';

const reviews = (subsets: readonly [string, string], routeNames?: string[]): RouteTarget => ({
  service: 'reviews',
  namespace: 'bookinfo',
  subsets,
  routeNames,
});
const slots = reviews(['blue', 'green']);
const header = { 'x-switchyard-slot': { exact: 'green' } };

function virtualService(http: HttpRoute[]): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'bookinfo' },
    spec: { hosts: ['reviews'], http },
  };
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

describe('setPrereleaseRoute', () => {
  it('inserts the header route immediately above the managed default route', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml');
    const after = setPrereleaseRoute(vs, reviews(['v3', 'v2']), { slot: 'green', headers: header });
    expect(after.spec.http).toEqual([
      vs.spec.http?.[0],
      {
        name: 'switchyard-reviews-prerelease',
        match: [{ headers: { 'x-switchyard-slot': { exact: 'green' } } }],
        route: [{ destination: { host: 'reviews', subset: 'v2' }, weight: 100 }],
      },
      vs.spec.http?.[1],
    ]);
    expect(findPrereleaseRoute(after, reviews(['v3', 'v2']))?.index).toBe(1);
  });

  it('ANDs several headers of every match kind in one match entry', () => {
    const vs = virtualServiceFixture('virtual-service-all-v1.yaml', 'reviews');
    const headers = {
      'x-slot': { exact: 'green' },
      'x-tester': { prefix: 'qa-' },
      'user-agent': { regex: '.*Chrome.*' },
    };
    const after = setPrereleaseRoute(vs, reviews(['v1', 'v2']), { slot: 'green', headers });
    expect(after.spec.http?.[0]?.match).toEqual([{ headers }]);
  });

  it('copies port, timeout and retries of the managed route, and nothing else', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-kitchen-sink.yaml');
    const after = setPrereleaseRoute(vs, slots, { slot: 'green', headers: header });
    expect(after.spec.http?.map((route) => route.name)).toEqual([
      'ratings-via-reviews-host',
      'switchyard-reviews-prerelease',
      'reviews-default',
    ]);
    expect(after.spec.http?.[1]).toEqual({
      name: 'switchyard-reviews-prerelease',
      match: [{ headers: header }],
      route: [
        {
          destination: {
            host: 'reviews.bookinfo.svc.cluster.local',
            subset: 'green',
            port: { number: 9080 },
          },
          weight: 100,
        },
      ],
      timeout: '3s',
      retries: { attempts: 3, perTryTimeout: '1s', retryOn: '5xx,reset,connect-failure' },
    });
    expect(after.spec.http?.[0]).toEqual(vs.spec.http?.[0]);
    expect(after.spec.http?.[2]).toEqual(vs.spec.http?.[1]);
  });

  it('is idempotent, and new headers replace the route where it is', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml');
    const target = reviews(['v3', 'v2']);
    const once = setPrereleaseRoute(vs, target, { slot: 'green', headers: header });
    expect(setPrereleaseRoute(once, target, { slot: 'green', headers: header })).toEqual(once);

    const changed = setPrereleaseRoute(once, target, {
      slot: 'blue',
      headers: { 'x-canary': { exact: '1' } },
    });
    expect(changed.spec.http).toHaveLength(3);
    expect(changed.spec.http?.[1]).toEqual({
      name: 'switchyard-reviews-prerelease',
      match: [{ headers: { 'x-canary': { exact: '1' } } }],
      route: [{ destination: { host: 'reviews', subset: 'v3' }, weight: 100 }],
    });
  });

  it('is removed without a trace', () => {
    for (const [file, target] of [
      ['virtual-service-reviews-jason-v2-v3.yaml', reviews(['v3', 'v2'])],
      ['virtual-service-reviews-kitchen-sink.yaml', slots],
      ['virtual-service-reviews-90-10.yaml', reviews(['v1', 'v2'])],
    ] as const) {
      const vs = virtualServiceFixture(file);
      const withRoute = setPrereleaseRoute(vs, target, { slot: 'green', headers: header });
      expect(removePrereleaseRoute(withRoute, target)).toEqual(vs);
      expect(removePrereleaseRoute(vs, target)).toEqual(vs);
    }
  });

  it('stays out of the way of weight changes on the managed route', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml');
    const target = reviews(['v3', 'v2']);
    const withRoute = setPrereleaseRoute(vs, target, { slot: 'green', headers: header });
    expect(findManagedRoutes(withRoute, target).routes.map((route) => route.index)).toEqual([2]);
    const shifted = setSlotWeights(withRoute, target, { blue: 90, green: 10 });
    expect(shifted.spec.http?.[1]).toEqual(withRoute.spec.http?.[1]);
  });

  it('keeps a lone matched route manageable once the header route sits above it', () => {
    const vs = virtualService([
      {
        match: [{ uri: { prefix: '/reviews' } }],
        route: [{ destination: { host: 'reviews', subset: 'blue' } }],
      },
    ]);
    const withRoute = setPrereleaseRoute(vs, slots, { slot: 'green', headers: header });
    expect(findManagedRoutes(withRoute, slots).routes.map((route) => route.index)).toEqual([1]);
    expect(setPrereleaseRoute(withRoute, slots, { slot: 'green', headers: header })).toEqual(
      withRoute,
    );
  });

  it('captures only what the managed routes below it would: their matches AND the headers', () => {
    const vs = virtualService([
      {
        name: 'api',
        match: [{ uri: { prefix: '/api' } }, { uri: { exact: '/health' } }],
        route: [{ destination: { host: 'reviews', subset: 'blue' } }],
      },
      { name: 'default', route: [{ destination: { host: 'reviews', subset: 'blue' } }] },
    ]);
    const onlyApi = setPrereleaseRoute(vs, reviews(['blue', 'green'], ['api']), {
      slot: 'green',
      headers: header,
    });
    expect(onlyApi.spec.http?.[0]?.match).toEqual([
      { uri: { prefix: '/api' }, headers: header },
      { uri: { exact: '/health' }, headers: header },
    ]);
    const both = setPrereleaseRoute(vs, reviews(['blue', 'green'], ['api', 'default']), {
      slot: 'green',
      headers: header,
    });
    expect(both.spec.http?.[0]?.match).toEqual([
      { uri: { prefix: '/api' }, headers: header },
      { uri: { exact: '/health' }, headers: header },
      { headers: header },
    ]);
  });

  it('does not widen into a later managed route past an unmanaged route', () => {
    const vs = virtualService([
      {
        name: 'api',
        match: [{ uri: { prefix: '/api' } }],
        route: [{ destination: { host: 'reviews', subset: 'blue' } }],
      },
      {
        name: 'static',
        match: [{ uri: { prefix: '/static' } }],
        route: [{ destination: { host: 'cdn' } }],
      },
      { name: 'default', route: [{ destination: { host: 'reviews', subset: 'blue' } }] },
    ]);
    const after = setPrereleaseRoute(vs, reviews(['blue', 'green'], ['api', 'default']), {
      slot: 'green',
      headers: header,
    });
    expect(after.spec.http?.[0]?.match).toEqual([{ uri: { prefix: '/api' }, headers: header }]);
  });

  it('rejects a header the managed route already matches on', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-named.yaml');
    expect(() =>
      setPrereleaseRoute(vs, reviews(['v2', 'v3'], ['jason']), {
        slot: 'green',
        headers: { 'end-user': { exact: 'qa' } },
      }),
    ).toThrow(
      'http[0] "jason" already matches header "end-user"; choose another pre-release header',
    );
  });

  it('refuses to replace or remove a user route with its name', () => {
    const vs = virtualService([
      {
        name: 'switchyard-reviews-prerelease',
        match: [{ headers: header }],
        route: [{ destination: { host: 'reviews', subset: 'green' } }],
        fault: { abort: { httpStatus: 503, percentage: { value: 100 } } },
      },
      { route: [{ destination: { host: 'reviews', subset: 'blue' } }] },
    ]);
    const error = refusal(() => setPrereleaseRoute(vs, slots, { slot: 'green', headers: header }));
    expect(error.reason).toBe('name-collision');
    expect(error.message).toBe(
      'VirtualService bookinfo/reviews: http[0] "switchyard-reviews-prerelease" is named like switchyard\'s pre-release route but is not one switchyard wrote (its fields or destination differ). ' +
        'Rename or remove that route by hand; switchyard will not replace or delete a route it does not own.',
    );
    expect(refusal(() => removePrereleaseRoute(vs, slots)).reason).toBe('name-collision');

    const toOtherHost = virtualService([
      {
        name: 'switchyard-reviews-prerelease',
        match: [{ headers: header }],
        route: [{ destination: { host: 'ratings' } }],
      },
      { route: [{ destination: { host: 'reviews', subset: 'blue' } }] },
    ]);
    expect(refusal(() => removePrereleaseRoute(toOtherHost, slots)).reason).toBe('name-collision');
  });

  it('refuses when naming the pre-release route as the managed route', () => {
    const vs = setPrereleaseRoute(
      virtualServiceFixture('virtual-service-reviews-jason-named.yaml'),
      reviews(['v3', 'v2'], ['default']),
      {
        slot: 'green',
        headers: header,
      },
    );
    expect(
      refusal(() => findManagedRoutes(vs, reviews(['v3', 'v2'], ['switchyard-reviews-prerelease'])))
        .reason,
    ).toBe('name-collision');
  });

  it('rejects unusable header conditions', () => {
    const vs = virtualServiceFixture('virtual-service-all-v1.yaml', 'reviews');
    expect(() =>
      setPrereleaseRoute(vs, reviews(['v1', 'v2']), { slot: 'green', headers: {} }),
    ).toThrow(UsageError);
    expect(validateHeaderConditions({})).toEqual([
      { path: '', message: 'at least one header condition is required' },
    ]);
    expect(
      validateHeaderConditions({
        'X-Slot': { exact: 'green' },
        'x-two': { exact: 'a', prefix: 'b' },
        'x-empty': { regex: '' },
        'x-none': {},
      }),
    ).toEqual([
      {
        path: 'X-Slot',
        message: 'header names must be lower-case HTTP tokens (Envoy matches lower-cased names)',
      },
      { path: 'x-two', message: 'must have exactly one of exact, prefix or regex' },
      { path: 'x-empty.regex', message: 'must be a non-empty string' },
      { path: 'x-none', message: 'must have exactly one of exact, prefix or regex' },
    ]);
  });
});

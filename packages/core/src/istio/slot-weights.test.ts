import { describe, expect, it } from 'vitest';
import { RouteRefusedError, UsageError } from '../errors.js';
import { virtualServiceFixture } from './__fixtures__/load-fixtures.js';
import type { RouteTarget } from './route-target.js';
import { readSlotWeights, setSlotWeights, validateSlotWeights } from './slot-weights.js';
import type { HttpRoute, VirtualService } from './types.js';

const reviews = (subsets: readonly [string, string], routeNames?: string[]): RouteTarget => ({
  service: 'reviews',
  namespace: 'bookinfo',
  subsets,
  routeNames,
});

function virtualService(http: HttpRoute[]): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'bookinfo' },
    spec: { hosts: ['reviews'], http },
  };
}

describe('readSlotWeights', () => {
  it('reads a lone destination without weight as 100 for its subset', () => {
    const vs = virtualServiceFixture('virtual-service-all-v1.yaml', 'reviews');
    expect(readSlotWeights(vs, reviews(['v1', 'v2']))).toEqual({ blue: 100, green: 0 });
    expect(readSlotWeights(vs, reviews(['v2', 'v1']))).toEqual({ blue: 0, green: 100 });
  });

  it('reads the bookinfo splits', () => {
    expect(
      readSlotWeights(
        virtualServiceFixture('virtual-service-reviews-90-10.yaml'),
        reviews(['v1', 'v2']),
      ),
    ).toEqual({
      blue: 90,
      green: 10,
    });
    expect(
      readSlotWeights(
        virtualServiceFixture('virtual-service-reviews-50-v3.yaml'),
        reviews(['v3', 'v1']),
      ),
    ).toEqual({
      blue: 50,
      green: 50,
    });
    expect(
      readSlotWeights(
        virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml'),
        reviews(['v3', 'v2']),
      ),
    ).toEqual({ blue: 100, green: 0 });
  });

  it('normalises relative weights to integers summing to 100', () => {
    const split = (blue: number, green: number): VirtualService =>
      virtualService([
        {
          route: [
            { destination: { host: 'reviews', subset: 'blue' }, weight: blue },
            { destination: { host: 'reviews', subset: 'green' }, weight: green },
          ],
        },
      ]);
    expect(readSlotWeights(split(1, 3), reviews(['blue', 'green']))).toEqual({
      blue: 25,
      green: 75,
    });
    expect(readSlotWeights(split(1, 2), reviews(['blue', 'green']))).toEqual({
      blue: 33,
      green: 67,
    });
    expect(readSlotWeights(split(1, 1), reviews(['blue', 'green']))).toEqual({
      blue: 50,
      green: 50,
    });
    expect(readSlotWeights(split(2, 0), reviews(['blue', 'green']))).toEqual({
      blue: 100,
      green: 0,
    });
  });

  it('refuses routes whose weights cannot be read', () => {
    const zero = virtualService([
      {
        route: [
          { destination: { host: 'reviews', subset: 'blue' }, weight: 0 },
          { destination: { host: 'reviews', subset: 'green' } },
        ],
      },
    ]);
    expect(() => readSlotWeights(zero, reviews(['blue', 'green']))).toThrow(
      'VirtualService bookinfo/reviews: http[0] (unnamed) gives every destination weight 0',
    );
    const negative = virtualService([
      { route: [{ destination: { host: 'reviews', subset: 'blue' }, weight: -5 }] },
    ]);
    expect(() => readSlotWeights(negative, reviews(['blue', 'green']))).toThrow(
      'http[0] (unnamed) has weight -5 on subset "blue", which Istio does not accept',
    );
  });

  it('refuses managed routes that disagree', () => {
    const vs = virtualService([
      {
        name: 'api',
        match: [{ uri: { prefix: '/api' } }],
        route: [{ destination: { host: 'reviews', subset: 'blue' } }],
      },
      { name: 'default', route: [{ destination: { host: 'reviews', subset: 'green' } }] },
    ]);
    let caught: unknown;
    try {
      readSlotWeights(vs, reviews(['blue', 'green'], ['api', 'default']));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RouteRefusedError);
    expect((caught as RouteRefusedError).reason).toBe('invalid-weights');
    expect((caught as RouteRefusedError).message).toContain(
      'the managed routes split traffic differently: http[0] "api" blue 100 / green 0, http[1] "default" blue 0 / green 100',
    );
  });
});

describe('setSlotWeights', () => {
  it('rewrites the weights of both slot entries of the 90/10 sample and nothing else', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const after = setSlotWeights(vs, reviews(['v1', 'v2']), { blue: 75, green: 25 });
    const expected = structuredClone(vs);
    expected.spec.http = [
      {
        route: [
          { destination: { host: 'reviews', subset: 'v1' }, weight: 75 },
          { destination: { host: 'reviews', subset: 'v2' }, weight: 25 },
        ],
      },
    ];
    expect(after).toEqual(expected);
    expect(vs.spec.http?.[0]?.route?.[0]?.weight).toBe(90);
  });

  it('keeps an entry whose weight drops to 0', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const after = setSlotWeights(vs, reviews(['v1', 'v2']), { blue: 0, green: 100 });
    expect(after.spec.http?.[0]?.route).toEqual([
      { destination: { host: 'reviews', subset: 'v1' }, weight: 0 },
      { destination: { host: 'reviews', subset: 'v2' }, weight: 100 },
    ]);
  });

  it('adds the missing slot entry with the host and port of the existing one', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-kitchen-sink.yaml');
    const after = setSlotWeights(vs, reviews(['blue', 'green']), { blue: 90, green: 10 });
    expect(after.spec.http?.[1]?.route).toEqual([
      {
        destination: {
          host: 'reviews.bookinfo.svc.cluster.local',
          subset: 'blue',
          port: { number: 9080 },
        },
        weight: 90,
        headers: { response: { set: { 'x-served-by': 'reviews' } } },
      },
      {
        destination: {
          host: 'reviews.bookinfo.svc.cluster.local',
          subset: 'green',
          port: { number: 9080 },
        },
        weight: 10,
      },
    ]);
  });

  it('leaves every other field, route and the route order untouched', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-kitchen-sink.yaml');
    const after = setSlotWeights(vs, reviews(['blue', 'green']), { blue: 40, green: 60 });
    const { route: _beforeEntries, ...beforeRest } = vs.spec.http?.[1] ?? {};
    const { route: _afterEntries, ...afterRest } = after.spec.http?.[1] ?? {};
    expect(afterRest).toEqual(beforeRest);
    expect(Object.keys(after.spec.http?.[1] ?? {})).toEqual(Object.keys(vs.spec.http?.[1] ?? {}));
    expect(after.spec.http?.[0]).toEqual(vs.spec.http?.[0]);
    const { http: _beforeHttp, ...beforeSpec } = vs.spec;
    const { http: _afterHttp, ...afterSpec } = after.spec;
    expect(afterSpec).toEqual(beforeSpec);
    expect(after.metadata).toEqual(vs.metadata);
    expect(readSlotWeights(after, reviews(['blue', 'green']))).toEqual({ blue: 40, green: 60 });
  });

  it('writes entries for both slots when the route had a lone destination', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml');
    const after = setSlotWeights(vs, reviews(['v3', 'v2']), { blue: 100, green: 0 });
    expect(after.spec.http?.[0]).toEqual(vs.spec.http?.[0]);
    expect(after.spec.http?.[1]?.route).toEqual([
      { destination: { host: 'reviews', subset: 'v3' }, weight: 100 },
      { destination: { host: 'reviews', subset: 'v2' }, weight: 0 },
    ]);
  });

  it('writes the same split on every named route and leaves the others', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-named.yaml');
    const after = setSlotWeights(vs, reviews(['v3', 'v2'], ['jason', 'default']), {
      blue: 20,
      green: 80,
    });
    for (const route of after.spec.http ?? []) {
      expect(route.route?.map((entry) => [entry.destination.subset, entry.weight])).toEqual(
        route.name === 'jason'
          ? [
              ['v2', 80],
              ['v3', 20],
            ]
          : [
              ['v3', 20],
              ['v2', 80],
            ],
      );
    }
    expect(readSlotWeights(after, reviews(['v3', 'v2'], ['jason', 'default']))).toEqual({
      blue: 20,
      green: 80,
    });
  });

  it('rejects weights that are not integers 0..100 summing to 100', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const target = reviews(['v1', 'v2']);
    expect(() => setSlotWeights(vs, target, { blue: 50, green: 60 })).toThrow(UsageError);
    expect(() => setSlotWeights(vs, target, { blue: 50, green: 60 })).toThrow(
      'invalid slot weights for reviews: blue + green must be 100, got 50 + 60 = 110',
    );
    expect(() => setSlotWeights(vs, target, { blue: 99.5, green: 0.5 })).toThrow(
      'blue: must be an integer from 0 to 100, got 99.5; green: must be an integer from 0 to 100, got 0.5',
    );
    expect(validateSlotWeights({ blue: 110, green: -10 })).toEqual([
      { path: 'blue', message: 'must be an integer from 0 to 100, got 110' },
      { path: 'green', message: 'must be an integer from 0 to 100, got -10' },
    ]);
    expect(validateSlotWeights({ blue: Number.NaN, green: 100 })).toHaveLength(1);
    expect(validateSlotWeights({ blue: 0, green: 100 })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { RouteRefusedError, UsageError } from '../errors.js';
import { virtualServiceFixture } from './__fixtures__/load-fixtures.js';
import { removeMirror, setMirror } from './candidate-mirror.js';
import type { RouteTarget } from './route-target.js';
import type { VirtualService } from './types.js';

const reviews = (subsets: readonly [string, string]): RouteTarget => ({
  service: 'reviews',
  namespace: 'bookinfo',
  subsets,
});

function withMirror(
  vs: VirtualService,
  index: number,
  mirror: Record<string, unknown>,
): VirtualService {
  const copy = structuredClone(vs);
  Object.assign(copy.spec.http?.[index] ?? {}, mirror);
  return copy;
}

describe('setMirror', () => {
  it('mirrors a share of the managed route to the candidate subset', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const after = setMirror(vs, reviews(['v1', 'v2']), { slot: 'green', percentage: 12.5 });
    expect(after.spec.http?.[0]).toEqual({
      ...vs.spec.http?.[0],
      mirror: { host: 'reviews', subset: 'v2' },
      mirrorPercentage: { value: 12.5 },
    });
  });

  it('copies the port and leaves the rest of the route and the other routes alone', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-kitchen-sink.yaml');
    const after = setMirror(vs, reviews(['blue', 'green']), { slot: 'green', percentage: 100 });
    const { mirror, mirrorPercentage, ...rest } = after.spec.http?.[1] ?? {};
    expect(mirror).toEqual({
      host: 'reviews.bookinfo.svc.cluster.local',
      subset: 'green',
      port: { number: 9080 },
    });
    expect(mirrorPercentage).toEqual({ value: 100 });
    expect(rest).toEqual(vs.spec.http?.[1]);
    expect(after.spec.http?.[0]).toEqual(vs.spec.http?.[0]);
  });

  it('is idempotent, replaces its own mirror, and is removed without a trace', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml');
    const target = reviews(['v3', 'v2']);
    const once = setMirror(vs, target, { slot: 'green', percentage: 10 });
    expect(setMirror(once, target, { slot: 'green', percentage: 10 })).toEqual(once);
    const more = setMirror(once, target, { slot: 'green', percentage: 50 });
    expect(more.spec.http?.[1]?.mirrorPercentage).toEqual({ value: 50 });
    expect(removeMirror(more, target)).toEqual(vs);
    expect(removeMirror(vs, target)).toEqual(vs);
    expect(more.spec.http?.[0]).toEqual(vs.spec.http?.[0]);
  });

  it("refuses to overwrite a user's mirror to another destination, and never removes it", () => {
    const vs = withMirror(virtualServiceFixture('virtual-service-reviews-90-10.yaml'), 0, {
      mirror: { host: 'reviews-shadow', subset: 'v1' },
      mirrorPercentage: { value: 1 },
    });
    let caught: unknown;
    try {
      setMirror(vs, reviews(['v1', 'v2']), { slot: 'green', percentage: 5 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RouteRefusedError);
    expect((caught as RouteRefusedError).reason).toBe('foreign-destination');
    expect((caught as RouteRefusedError).message).toBe(
      'VirtualService bookinfo/reviews: http[0] (unnamed) already mirrors to reviews-shadow subset "v1", which is not a reviews slot. ' +
        'Remove your mirror from the route while the release runs, or release without mirroring.',
    );
    expect(removeMirror(vs, reviews(['v1', 'v2']))).toEqual(vs);
  });

  it('refuses a route that mirrors with mirrors[]', () => {
    const vs = withMirror(virtualServiceFixture('virtual-service-reviews-90-10.yaml'), 0, {
      mirrors: [{ destination: { host: 'reviews', subset: 'v2' }, percentage: { value: 5 } }],
    });
    expect(() => setMirror(vs, reviews(['v1', 'v2']), { slot: 'green', percentage: 5 })).toThrow(
      'http[0] (unnamed) already mirrors with mirrors[] (1 destinations), which Istio does not allow next to mirror',
    );
  });

  it('rejects a percentage outside 0..100', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    for (const percentage of [-1, 100.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => setMirror(vs, reviews(['v1', 'v2']), { slot: 'green', percentage })).toThrow(
        UsageError,
      );
    }
    expect(() => setMirror(vs, reviews(['v1', 'v2']), { slot: 'green', percentage: 101 })).toThrow(
      'invalid mirror percentage for reviews: must be a number from 0 to 100, got 101',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { RouteRefusedError, UsageError } from '../errors.js';
import { destinationRuleFixture, virtualServiceFixture } from './__fixtures__/load-fixtures.js';
import type { RouteTarget } from './route-target.js';
import { ensureSlotSubsets, listSubsetReferences, removeSubset } from './slot-subsets.js';
import type { VirtualService } from './types.js';

const reviews = (subsets: readonly [string, string]): RouteTarget => ({
  service: 'reviews',
  namespace: 'bookinfo',
  subsets,
});
const slotLabels = { slotLabel: 'switchyard.io/slot', selector: { app: 'reviews' } };

function refusal(run: () => unknown): RouteRefusedError {
  try {
    run();
  } catch (error) {
    if (error instanceof RouteRefusedError) return error;
    throw error;
  }
  throw new Error('expected a RouteRefusedError');
}

describe('ensureSlotSubsets', () => {
  it('appends a subset per slot and leaves the traffic policy and other subsets alone', () => {
    const dr = destinationRuleFixture('destination-rule-reviews.yaml');
    const after = ensureSlotSubsets(dr, reviews(['blue', 'green']), slotLabels);
    expect(after).toEqual({
      ...dr,
      spec: {
        ...dr.spec,
        subsets: [
          ...(dr.spec.subsets ?? []),
          { name: 'blue', labels: { app: 'reviews', 'switchyard.io/slot': 'blue' } },
          { name: 'green', labels: { app: 'reviews', 'switchyard.io/slot': 'green' } },
        ],
      },
    });
    expect(after.spec.trafficPolicy).toEqual({ loadBalancer: { simple: 'RANDOM' } });
  });

  it('keeps an existing compatible subset exactly as it is, with its own traffic policy', () => {
    const dr = destinationRuleFixture('destination-rule-reviews-slots.yaml');
    const after = ensureSlotSubsets(dr, reviews(['blue', 'green']), slotLabels);
    expect(after.spec.subsets?.map((subset) => subset.name)).toEqual(['debug', 'blue', 'green']);
    expect(after.spec.subsets?.slice(0, 2)).toEqual(dr.spec.subsets);
    const { subsets: _after, ...afterRest } = after.spec;
    const { subsets: _before, ...beforeRest } = dr.spec;
    expect(afterRest).toEqual(beforeRest);
    expect(ensureSlotSubsets(after, reviews(['blue', 'green']), slotLabels)).toEqual(after);
  });

  it('adopts the bookinfo version subsets as slots when the slot label is version', () => {
    const dr = destinationRuleFixture('destination-rule-reviews.yaml');
    const labels = {
      slotLabel: 'version',
      slotValues: { blue: 'v1', green: 'v2' },
      selector: { app: 'reviews' },
    };
    expect(ensureSlotSubsets(dr, reviews(['v1', 'v2']), labels)).toEqual(dr);
  });

  it('refuses a slot subset whose labels select other pods, saying which labels to set', () => {
    const dr = destinationRuleFixture('destination-rule-reviews.yaml');
    const wrongValue = refusal(() =>
      ensureSlotSubsets(dr, reviews(['v1', 'v2']), {
        slotLabel: 'version',
        slotValues: { blue: 'blue', green: 'green' },
        selector: { app: 'reviews' },
      }),
    );
    expect(wrongValue.reason).toBe('name-collision');
    expect(wrongValue.message).toBe(
      'DestinationRule bookinfo/reviews: subset "v1" selects {version: v1}, but slot blue runs pods labelled {app: reviews, version: blue}. ' +
        "Set the subset's labels to {app: reviews, version: blue} (or a part of them that includes version), or use another subset name for the slot.",
    );
    const extraLabel = destinationRuleFixture('destination-rule-reviews-slots.yaml');
    extraLabel.spec.subsets?.push({
      name: 'green',
      labels: { 'switchyard.io/slot': 'green', tier: 'gold' },
    });
    expect(
      refusal(() => ensureSlotSubsets(extraLabel, reviews(['blue', 'green']), slotLabels)).message,
    ).toContain('subset "green" selects {switchyard.io/slot: green, tier: gold}');
  });

  it('refuses a DestinationRule for another host', () => {
    const dr = destinationRuleFixture('destination-rule-all.yaml', 'ratings');
    expect(
      refusal(() => ensureSlotSubsets(dr, reviews(['blue', 'green']), slotLabels)).message,
    ).toBe(
      'DestinationRule bookinfo/ratings: is for host ratings.bookinfo.svc.cluster.local, not reviews.bookinfo.svc.cluster.local. Pass the DestinationRule whose host is reviews.',
    );
  });

  it('rejects a slot label the Service selector already pins', () => {
    const dr = destinationRuleFixture('destination-rule-reviews.yaml');
    expect(() =>
      ensureSlotSubsets(dr, reviews(['blue', 'green']), {
        slotLabel: 'app',
        selector: { app: 'reviews' },
      }),
    ).toThrow(UsageError);
  });
});

describe('removeSubset', () => {
  const dr = destinationRuleFixture('destination-rule-reviews.yaml');

  it('removes an unreferenced subset and keeps the order of the rest', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const after = removeSubset(dr, 'v3', [vs]);
    expect(after.spec.subsets?.map((subset) => subset.name)).toEqual(['v1', 'v2']);
    expect(after.spec.trafficPolicy).toEqual(dr.spec.trafficPolicy);
    expect(removeSubset(dr, 'v9', [vs])).toEqual(dr);
  });

  it('refuses to remove a subset any route still sends or mirrors to', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const error = refusal(() => removeSubset(dr, 'v2', [vs]));
    expect(error.reason).toBe('missing-subset');
    expect(error.message).toBe(
      'DestinationRule bookinfo/reviews: subset "v2" is still used by VirtualService bookinfo/reviews spec.http[0].route[1]. ' +
        'Move that traffic off the subset first (set its weight to 0 and remove the entry, or remove the route), then remove the subset.',
    );
    const mirrored: VirtualService = {
      ...structuredClone(vs),
      metadata: { name: 'shadow', namespace: 'frontend' },
    };
    mirrored.spec.http = [
      {
        route: [{ destination: { host: 'productpage' } }],
        mirror: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v3' },
      },
    ];
    expect(refusal(() => removeSubset(dr, 'v3', [mirrored])).message).toContain(
      'VirtualService frontend/shadow spec.http[0].mirror',
    );
  });

  it('only counts references to its own host', () => {
    const elsewhere: VirtualService = {
      ...virtualServiceFixture('virtual-service-reviews-90-10.yaml'),
      metadata: { name: 'reviews', namespace: 'staging' },
    };
    expect(listSubsetReferences(dr, [elsewhere])).toEqual([]);
    expect(removeSubset(dr, 'v2', [elsewhere]).spec.subsets?.map((subset) => subset.name)).toEqual([
      'v1',
      'v3',
    ]);
  });
});

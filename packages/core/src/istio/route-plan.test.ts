import { describe, expect, it } from 'vitest';
import { RouteRefusedError, UsageError } from '../errors.js';
import { destinationRuleFixture, virtualServiceFixture } from './__fixtures__/load-fixtures.js';
import { setMirror } from './candidate-mirror.js';
import { applyJsonPatch } from '../json-diff/json-patch-apply.js';
import { setPrereleaseRoute } from './prerelease-route.js';
import { planRouteChanges, type PlannedChange } from './route-plan.js';
import type { RouteTarget } from './route-target.js';
import { ensureSlotSubsets, removeSubset } from './slot-subsets.js';
import { setSlotWeights } from './slot-weights.js';
import type { DestinationRule, VirtualService } from './types.js';

const slots: RouteTarget = {
  service: 'reviews',
  namespace: 'bookinfo',
  subsets: ['blue', 'green'],
};
const slotLabels = { slotLabel: 'switchyard.io/slot', selector: { app: 'reviews' } };
const header = { 'x-switchyard-slot': { exact: 'green' } };

function apply(change: PlannedChange, document: unknown = change.before): unknown {
  const result = applyJsonPatch(document, change.patch);
  if (!result.ok) throw new Error(result.message);
  return result.document;
}

function kitchenSink(): VirtualService {
  return virtualServiceFixture('virtual-service-reviews-kitchen-sink.yaml');
}

describe('planRouteChanges', () => {
  it('adds DestinationRule subsets before the VirtualService uses them', () => {
    const dr = destinationRuleFixture('destination-rule-reviews-slots.yaml');
    const vs = kitchenSink();
    const drAfter = ensureSlotSubsets(dr, slots, slotLabels);
    const vsAfter = setPrereleaseRoute(setSlotWeights(vs, slots, { blue: 100, green: 0 }), slots, {
      slot: 'green',
      headers: header,
    });
    const plan = planRouteChanges({
      virtualServices: [{ before: vs, after: vsAfter }],
      destinationRules: [{ before: dr, after: drAfter }],
    });
    expect(plan.map((change) => [change.phase, change.object])).toEqual([
      [
        'add-subsets',
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          namespace: 'bookinfo',
          name: 'reviews',
        },
      ],
      [
        'update-routes',
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          namespace: 'bookinfo',
          name: 'reviews',
        },
      ],
    ]);
    expect(plan.map((change) => change.description)).toEqual([
      'DestinationRule bookinfo/reviews: add subset "green" at position 2',
      'VirtualService bookinfo/reviews: add route "switchyard-reviews-prerelease" at position 1; route "reviews-default": weights green added at 0',
    ]);
    expect(apply(plan[0] as PlannedChange)).toEqual(drAfter);
    expect(apply(plan[1] as PlannedChange)).toEqual(vsAfter);
  });

  it('removes subsets only after the VirtualService stopped using them', () => {
    const dr = destinationRuleFixture('destination-rule-reviews.yaml');
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const vsAfter = structuredClone(vs);
    vsAfter.spec.http = [
      { route: [{ destination: { host: 'reviews', subset: 'blue' }, weight: 100 }] },
    ];
    let drAfter = ensureSlotSubsets(dr, slots, slotLabels);
    for (const subset of ['v1', 'v2', 'v3']) drAfter = removeSubset(drAfter, subset, [vsAfter]);

    const plan = planRouteChanges({
      destinationRules: [{ before: dr, after: drAfter }],
      virtualServices: [{ before: vs, after: vsAfter }],
    });
    expect(plan.map((change) => change.phase)).toEqual([
      'add-subsets',
      'update-routes',
      'remove-subsets',
    ]);
    const [add, route, remove] = plan as [
      PlannedChange<DestinationRule>,
      PlannedChange,
      PlannedChange<DestinationRule>,
    ];
    expect(add.after.spec.subsets?.map((subset) => subset.name)).toEqual([
      'v1',
      'v2',
      'v3',
      'blue',
      'green',
    ]);
    expect(remove.before).toEqual(add.after);
    expect(apply(remove, apply(add))).toEqual(drAfter);
    expect(apply(route)).toEqual(vsAfter);
    expect(remove.description).toBe(
      'DestinationRule bookinfo/reviews: remove subset "v1"; remove subset "v2"; remove subset "v3"',
    );
  });

  it('plans nothing for unchanged objects, and nothing on a second pass', () => {
    const dr = destinationRuleFixture('destination-rule-reviews.yaml');
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    expect(
      planRouteChanges({
        destinationRules: [{ before: dr, after: dr }],
        virtualServices: [{ before: vs, after: vs }],
      }),
    ).toEqual([]);
    const target: RouteTarget = { ...slots, subsets: ['v1', 'v2'] };
    const after = setSlotWeights(vs, target, { blue: 50, green: 50 });
    const [change] = planRouteChanges({ virtualServices: [{ before: vs, after }] });
    const applied = apply(change as PlannedChange) as VirtualService;
    expect(
      planRouteChanges({
        virtualServices: [
          { before: applied, after: setSlotWeights(applied, target, { blue: 50, green: 50 }) },
        ],
      }),
    ).toEqual([]);
  });

  it('renders a unified diff of the YAML', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const after = setSlotWeights(vs, { ...slots, subsets: ['v1', 'v2'] }, { blue: 80, green: 20 });
    const [change] = planRouteChanges({ virtualServices: [{ before: vs, after }] });
    expect(change?.description).toBe(
      'VirtualService bookinfo/reviews: route http[0]: weights v1 90→80, v2 10→20',
    );
    expect(change?.diff).toBe(
      [
        '--- a/VirtualService/bookinfo/reviews',
        '+++ b/VirtualService/bookinfo/reviews',
        '@@ -11,8 +11,8 @@',
        '         - destination:',
        '             host: reviews',
        '             subset: v1',
        '-          weight: 90',
        '+          weight: 80',
        '         - destination:',
        '             host: reviews',
        '             subset: v2',
        '-          weight: 10',
        '+          weight: 20',
        '',
      ].join('\n'),
    );
  });

  it('refuses routes to a subset the planned DestinationRule does not define', () => {
    const dr = destinationRuleFixture('destination-rule-reviews-slots.yaml');
    const vs = kitchenSink();
    const vsAfter = setSlotWeights(vs, slots, { blue: 90, green: 10 });
    let caught: unknown;
    try {
      planRouteChanges({
        destinationRules: [{ before: dr, after: dr }],
        virtualServices: [{ before: vs, after: vsAfter }],
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RouteRefusedError);
    expect((caught as RouteRefusedError).reason).toBe('missing-subset');
    expect((caught as RouteRefusedError).message).toBe(
      'VirtualService bookinfo/reviews: spec.http[1].route[1] would send to subset "green", which DestinationRule bookinfo/reviews does not define after this change (requests would fail with 503 NC). ' +
        'Add subset "green" to the DestinationRule in the same plan, or keep it until no route uses it.',
    );
    const removing = structuredClone(dr);
    removing.spec.subsets = removing.spec.subsets?.filter((subset) => subset.name !== 'blue');
    expect(() =>
      planRouteChanges({
        destinationRules: [{ before: dr, after: removing }],
        virtualServices: [{ before: vs, after: vs }],
      }),
    ).toThrow('spec.http[1].route[0] would send to subset "blue"');
  });

  it("leaves a user's pre-existing dangling reference to them", () => {
    const dr = destinationRuleFixture('destination-rule-reviews-slots.yaml');
    const vs = virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml');
    vs.spec.http = [
      {
        match: [{ headers: { 'end-user': { exact: 'jason' } } }],
        route: [{ destination: { host: 'reviews', subset: 'v2' } }],
      },
      { route: [{ destination: { host: 'reviews', subset: 'blue' } }] },
    ];
    const vsAfter = setSlotWeights(vs, slots, { blue: 100, green: 0 });
    const drAfter = ensureSlotSubsets(dr, slots, slotLabels);
    expect(
      planRouteChanges({
        destinationRules: [{ before: dr, after: drAfter }],
        virtualServices: [{ before: vs, after: vsAfter }],
      }),
    ).toHaveLength(2);
  });

  it('describes each kind of change in one line', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml');
    const target: RouteTarget = { ...slots, subsets: ['v3', 'v2'] };
    const staged = setMirror(
      setPrereleaseRoute(vs, target, { slot: 'green', headers: header }),
      target,
      {
        slot: 'green',
        percentage: 10,
      },
    );
    const [forward] = planRouteChanges({ virtualServices: [{ before: vs, after: staged }] });
    expect(forward?.description).toBe(
      'VirtualService bookinfo/reviews: add route "switchyard-reviews-prerelease" at position 1; route http[2]: mirror to v2 at 10%',
    );
    const [back] = planRouteChanges({ virtualServices: [{ before: staged, after: vs }] });
    expect(back?.description).toBe(
      'VirtualService bookinfo/reviews: remove route "switchyard-reviews-prerelease"; route http[1]: mirror removed (was v2 at 10%)',
    );

    const dr = destinationRuleFixture('destination-rule-reviews.yaml');
    const tuned = structuredClone(dr);
    tuned.spec.trafficPolicy = { loadBalancer: { simple: 'LEAST_REQUEST' } };
    tuned.spec.subsets = tuned.spec.subsets?.map((subset) =>
      subset.name === 'v2' ? { ...subset, labels: { version: 'v2', zone: 'a' } } : subset,
    );
    tuned.metadata.annotations = { note: 'tuned' };
    const [change] = planRouteChanges({ destinationRules: [{ before: dr, after: tuned }] });
    expect(change?.description).toBe(
      'DestinationRule bookinfo/reviews: subset "v2": labels changed; spec.trafficPolicy changed; metadata.annotations changed',
    );
  });

  it('rejects a pair that names two different objects', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const renamed = { ...structuredClone(vs), metadata: { ...vs.metadata, name: 'other' } };
    expect(() => planRouteChanges({ virtualServices: [{ before: vs, after: renamed }] })).toThrow(
      UsageError,
    );
  });
});

describe('planned patches under concurrent edits', () => {
  function weightChange(): PlannedChange<VirtualService> {
    const vs = kitchenSink();
    const dr = destinationRuleFixture('destination-rule-reviews-slots.yaml');
    const plan = planRouteChanges({
      destinationRules: [{ before: dr, after: ensureSlotSubsets(dr, slots, slotLabels) }],
      virtualServices: [{ before: vs, after: setSlotWeights(vs, slots, { blue: 90, green: 10 }) }],
    });
    return plan.find((change) => change.phase === 'update-routes') as PlannedChange<VirtualService>;
  }

  it('fails when someone edited the managed route after our read', () => {
    const change = weightChange();
    const edited = structuredClone(change.before);
    (edited.spec.http?.[1] ?? {}).timeout = '10s';
    expect(applyJsonPatch(edited, change.patch)).toMatchObject({
      ok: false,
      reason: 'test-failed',
    });
  });

  it('fails when someone inserted a route above or reordered the routes', () => {
    const change = weightChange();
    const inserted = structuredClone(change.before);
    inserted.spec.http?.unshift({
      name: 'hotfix',
      route: [{ destination: { host: 'reviews', subset: 'blue' } }],
    });
    expect(applyJsonPatch(inserted, change.patch)).toMatchObject({
      ok: false,
      reason: 'test-failed',
    });
    const reordered = structuredClone(change.before);
    reordered.spec.http?.reverse();
    expect(applyJsonPatch(reordered, change.patch)).toMatchObject({
      ok: false,
      reason: 'test-failed',
    });
  });

  it('fails when someone set the same weight field to something else', () => {
    const change = weightChange();
    const edited = structuredClone(change.before);
    const entry = edited.spec.http?.[1]?.route?.[0];
    if (entry) entry.weight = 50;
    expect(applyJsonPatch(edited, change.patch)).toMatchObject({
      ok: false,
      reason: 'test-failed',
    });
  });

  it('keeps an unrelated edit elsewhere and lands on the same route', () => {
    const change = weightChange();
    const edited = structuredClone(change.before);
    edited.metadata.resourceVersion = '4712';
    edited.spec.hosts?.push('reviews.internal');
    (edited.spec.http?.[0] ?? {}).timeout = '2s';
    const result = applyJsonPatch(edited, change.patch);
    expect(result.ok).toBe(true);
    const expected = structuredClone(change.after);
    expected.metadata.resourceVersion = '4712';
    expected.spec.hosts?.push('reviews.internal');
    (expected.spec.http?.[0] ?? {}).timeout = '2s';
    expect(result.ok && result.document).toEqual(expected);
  });

  it('fails to insert the header route when its neighbour changed', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-jason-v2-v3.yaml');
    const target: RouteTarget = { ...slots, subsets: ['v3', 'v2'] };
    const [change] = planRouteChanges({
      virtualServices: [
        { before: vs, after: setPrereleaseRoute(vs, target, { slot: 'green', headers: header }) },
      ],
    });
    const edited = structuredClone(vs);
    const jason = edited.spec.http?.[0]?.route?.[0];
    if (jason) jason.destination.subset = 'v1';
    expect(applyJsonPatch(edited, (change as PlannedChange).patch)).toMatchObject({
      ok: false,
      reason: 'test-failed',
    });
  });

  it('fails rather than overwrite a mirror someone set a moment ago', () => {
    const vs = virtualServiceFixture('virtual-service-reviews-90-10.yaml');
    const target: RouteTarget = { ...slots, subsets: ['v1', 'v2'] };
    const [change] = planRouteChanges({
      virtualServices: [
        { before: vs, after: setMirror(vs, target, { slot: 'green', percentage: 10 }) },
      ],
    });
    const edited = structuredClone(vs);
    Object.assign(edited.spec.http?.[0] ?? {}, { mirror: { host: 'audit-log' } });
    expect(applyJsonPatch(edited, (change as PlannedChange).patch)).toMatchObject({
      ok: false,
      reason: 'test-failed',
    });
  });

  it('keeps a subset someone appended concurrently, and fails if the subset we remove changed', () => {
    const dr = destinationRuleFixture('destination-rule-reviews.yaml');
    const [add] = planRouteChanges({
      destinationRules: [{ before: dr, after: ensureSlotSubsets(dr, slots, slotLabels) }],
    });
    const appended = structuredClone(dr);
    appended.spec.subsets?.push({ name: 'v4', labels: { version: 'v4' } });
    const result = applyJsonPatch(appended, (add as PlannedChange).patch);
    expect(
      result.ok && (result.document as DestinationRule).spec.subsets?.map((s) => s.name),
    ).toEqual(['v1', 'v2', 'v3', 'blue', 'green', 'v4']);

    const [remove] = planRouteChanges({
      destinationRules: [{ before: dr, after: removeSubset(dr, 'v3', []) }],
    });
    const relabelled = structuredClone(dr);
    const v3 = relabelled.spec.subsets?.[2];
    if (v3) v3.labels = { version: 'v3', canary: 'true' };
    expect(applyJsonPatch(relabelled, (remove as PlannedChange).patch)).toMatchObject({
      ok: false,
      reason: 'test-failed',
    });
  });
});

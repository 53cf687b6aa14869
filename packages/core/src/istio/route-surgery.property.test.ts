/**
 * Property tests: random valid VirtualServices (routes for other hosts, the user's own header
 * routes to the service, random unknown fields, random order) put through random sequences
 * of release operations, each planned and applied as a JSON Patch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { removeMirror, setMirror } from './candidate-mirror.js';
import { applyJsonPatch } from '../json-diff/json-patch-apply.js';
import { jsonEqual } from '../json-diff/json-value.js';
import { findManagedRoutes } from './managed-routes.js';
import {
  findPrereleaseRoute,
  removePrereleaseRoute,
  setPrereleaseRoute,
} from './prerelease-route.js';
import { planRouteChanges } from './route-plan.js';
import type { RouteTarget, Slot } from './route-target.js';
import { ensureSlotSubsets } from './slot-subsets.js';
import { readSlotWeights, setSlotWeights, type SlotWeights } from './slot-weights.js';
import type { DestinationRule, HttpRoute, StringMatch, Subset, VirtualService } from './types.js';

const target: RouteTarget = {
  service: 'reviews',
  namespace: 'bookinfo',
  subsets: ['blue', 'green'],
};

const unknownFields = fc.dictionary(
  fc.constantFrom('xVendorHint', 'futureField', 'x-extension'),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 2 },
);
const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined });
const defined = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));

const routeFeatures = fc.record({
  timeout: optional(fc.constantFrom('1s', '3s', '15s')),
  retries: optional(
    fc.record({ attempts: fc.integer({ min: 1, max: 5 }), retryOn: fc.constant('5xx') }),
  ),
  fault: optional(fc.constant({ abort: { httpStatus: 503, percentage: { value: 0.1 } } })),
  corsPolicy: optional(fc.constant({ allowOrigins: [{ exact: 'https://books.example.com' }] })),
  headers: optional(fc.constant({ request: { set: { 'x-route': 'yes' } } })),
});

/** A route for a host that is not the service (including `reviews` of another namespace). */
const otherRoute: fc.Arbitrary<HttpRoute> = fc
  .record({
    name: optional(fc.constantFrom('ratings', 'details', 'legacy', 'static')),
    host: fc.constantFrom(
      'ratings',
      'details.bookinfo',
      'productpage.bookinfo.svc.cluster.local',
      'httpbin.other.svc.cluster.local',
      'reviews.staging',
    ),
    match: optional(
      fc.constantFrom(
        [{ uri: { prefix: '/static' } }],
        [{ headers: { 'x-team': { exact: 'a' } } }],
      ),
    ),
    features: routeFeatures,
    extra: unknownFields,
  })
  .map(({ name, host, match, features, extra }) =>
    defined({
      ...extra,
      name,
      match,
      route: [{ destination: { host, subset: 'v1' } }],
      ...features,
    }),
  );

/** The user's own header route to a slot of the service, above the default route. */
const userHeaderRoute: fc.Arbitrary<HttpRoute> = fc
  .record({ user: fc.constantFrom('jason', 'qa'), subset: fc.constantFrom('blue', 'green') })
  .map(({ user, subset }) => ({
    match: [{ headers: { 'end-user': { exact: user } } }],
    route: [{ destination: { host: 'reviews', subset } }],
  }));

/** The service's default route, in any shape switchyard accepts. */
const managedRoute: fc.Arbitrary<HttpRoute> = fc
  .record({
    name: optional(fc.constant('reviews-default')),
    host: fc.constantFrom('reviews', 'reviews.bookinfo.svc.cluster.local'),
    shape: fc.constantFrom('lone-unweighted', 'lone-weighted', 'split'),
    lone: fc.constantFrom('blue', 'green'),
    green: fc.integer({ min: 0, max: 100 }),
    greenFirst: fc.boolean(),
    port: optional(fc.constant({ number: 9080 })),
    entryHeaders: optional(fc.constant({ response: { set: { 'x-slot': 'yes' } } })),
    features: routeFeatures,
    extra: unknownFields,
  })
  .map(({ name, host, shape, lone, green, greenFirst, port, entryHeaders, features, extra }) => {
    const entry = (subset: string, weight?: number): Record<string, unknown> =>
      defined({ destination: defined({ host, subset, port }), weight, headers: entryHeaders });
    const entries =
      shape === 'lone-unweighted'
        ? [entry(lone)]
        : shape === 'lone-weighted'
          ? [entry(lone, 100)]
          : greenFirst
            ? [entry('green', green), entry('blue', 100 - green)]
            : [entry('blue', 100 - green), entry('green', green)];
    return defined({ ...extra, name, route: entries, ...features });
  });

interface Scenario {
  virtualService: VirtualService;
  managedIndex: number;
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    others: fc.array(otherRoute, { maxLength: 4 }),
    managed: managedRoute,
    managedAt: fc.nat(),
    userRoutes: fc.array(fc.tuple(userHeaderRoute, fc.nat()), { maxLength: 2 }),
    gateways: optional(fc.constantFrom(['mesh'], ['mesh', 'bookinfo/bookinfo-gateway'])),
    specExtra: unknownFields,
    annotations: optional(fc.constant({ owner: 'books-team' })),
  })
  .map(({ others, managed, managedAt, userRoutes, gateways, specExtra, annotations }) => {
    const http: HttpRoute[] = [...others];
    let managedIndex = managedAt % (http.length + 1);
    http.splice(managedIndex, 0, managed);
    for (const [route, at] of userRoutes) {
      http.splice(at % (managedIndex + 1), 0, route);
      managedIndex += 1;
    }
    const virtualService: VirtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: defined({
        name: 'reviews',
        namespace: 'bookinfo',
        resourceVersion: '1',
        annotations,
      }) as VirtualService['metadata'],
      spec: defined({ ...specExtra, hosts: ['reviews'], gateways, http }),
    };
    return { virtualService, managedIndex };
  });

const headerConditions: fc.Arbitrary<Record<string, StringMatch>> = fc.dictionary(
  fc.constantFrom('x-switchyard-slot', 'x-tester', 'x-canary'),
  fc.oneof(
    fc.constantFrom('green', 'blue', '1').map((exact) => ({ exact })),
    fc.constantFrom('qa-', 'team-').map((prefix) => ({ prefix })),
    fc.constantFrom('.*tester.*', '^v[0-9]+$').map((regex) => ({ regex })),
  ),
  { minKeys: 1, maxKeys: 3 },
);
const slot = fc.constantFrom<Slot>('blue', 'green');

type Operation =
  | { kind: 'weights'; weights: SlotWeights }
  | { kind: 'prerelease'; slot: Slot; headers: Record<string, StringMatch> }
  | { kind: 'remove-prerelease' }
  | { kind: 'mirror'; slot: Slot; percentage: number }
  | { kind: 'remove-mirror' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc
    .integer({ min: 0, max: 100 })
    .map((green) => ({ kind: 'weights' as const, weights: { blue: 100 - green, green } })),
  fc
    .record({ slot, headers: headerConditions })
    .map((fields) => ({ kind: 'prerelease' as const, ...fields })),
  fc.constant({ kind: 'remove-prerelease' as const }),
  fc
    .record({ slot, percentage: fc.integer({ min: 0, max: 100 }) })
    .map((fields) => ({ kind: 'mirror' as const, ...fields })),
  fc.constant({ kind: 'remove-mirror' as const }),
);

function run(vs: VirtualService, op: Operation): VirtualService {
  switch (op.kind) {
    case 'weights':
      return setSlotWeights(vs, target, op.weights);
    case 'prerelease':
      return setPrereleaseRoute(vs, target, { slot: op.slot, headers: op.headers });
    case 'remove-prerelease':
      return removePrereleaseRoute(vs, target);
    case 'mirror':
      return setMirror(vs, target, { slot: op.slot, percentage: op.percentage });
    case 'remove-mirror':
      return removeMirror(vs, target);
  }
}

/** The routes switchyard neither manages nor wrote, in order. */
function unmanagedRoutes(vs: VirtualService): HttpRoute[] {
  const managed = new Set(findManagedRoutes(vs, target).routes.map((route) => route.index));
  const own = findPrereleaseRoute(vs, target)?.index;
  return (vs.spec.http ?? []).filter((_, index) => !managed.has(index) && index !== own);
}

function withConcurrentEdit(vs: VirtualService, index: number): VirtualService {
  const edited = structuredClone(vs);
  const route = edited.spec.http?.[index];
  if (route) route.concurrentEdit = 'someone else';
  return edited;
}

describe('route surgery properties', () => {
  it('keeps routing safe through any sequence of release operations', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(operation, { minLength: 1, maxLength: 6 }),
        ({ virtualService, managedIndex }, operations) => {
          expect(
            findManagedRoutes(virtualService, target).routes.map((route) => route.index),
          ).toEqual([managedIndex]);
          const original = unmanagedRoutes(virtualService);
          let current = virtualService;
          let weightsOnly = virtualService;
          for (const op of operations) {
            const next = run(current, op);
            if (op.kind === 'weights')
              weightsOnly = setSlotWeights(weightsOnly, target, op.weights);

            // The JSON patch applied to before gives exactly after.
            const plan = planRouteChanges({ virtualServices: [{ before: current, after: next }] });
            expect(plan.length).toBe(jsonEqual(current, next) ? 0 : 1);
            for (const change of plan) {
              expect(applyJsonPatch(current, change.patch)).toEqual({ ok: true, document: next });
            }

            // Managed weights always sum to 100; a weights operation sets exactly those weights.
            const weights = readSlotWeights(next, target);
            expect(weights.blue + weights.green).toBe(100);
            const managed = findManagedRoutes(next, target).routes;
            if (op.kind === 'weights') {
              expect(weights).toEqual(op.weights);
              for (const { route } of managed) {
                expect(
                  (route.route ?? []).reduce((sum, entry) => sum + (entry.weight ?? 0), 0),
                ).toBe(100);
              }
            }

            // Unmanaged routes never change, and keep their order.
            expect(unmanagedRoutes(next)).toEqual(original);

            // The header route, when present, is immediately ahead of the managed route.
            const prerelease = findPrereleaseRoute(next, target);
            if (prerelease !== undefined)
              expect(prerelease.index).toBe((managed[0]?.index ?? -1) - 1);
            if (op.kind === 'prerelease')
              expect(prerelease?.route.match?.[0]?.headers).toEqual(op.headers);

            // Idempotence: recomputing from the result yields an empty plan.
            expect(
              planRouteChanges({ virtualServices: [{ before: next, after: run(next, op) }] }),
            ).toEqual([]);

            // A concurrent edit of a route the patch replaces, or inserts next to, fails it.
            for (const change of plan) {
              const managedBefore = findManagedRoutes(current, target).routes[0]?.index ?? -1;
              const ownBefore = findPrereleaseRoute(current, target)?.index;
              const ownAfter = findPrereleaseRoute(next, target);
              const touched: number[] = [];
              if (!jsonEqual(current.spec.http?.[managedBefore], managed[0]?.route))
                touched.push(managedBefore);
              if (
                ownBefore !== undefined &&
                !jsonEqual(current.spec.http?.[ownBefore], ownAfter?.route)
              )
                touched.push(ownBefore);
              if (ownBefore === undefined && ownAfter !== undefined) touched.push(managedBefore);
              for (const index of touched) {
                expect(
                  applyJsonPatch(withConcurrentEdit(current, index), change.patch),
                ).toMatchObject({ ok: false, reason: 'test-failed' });
              }
            }
            current = next;
          }

          // Removing the header route and mirror leaves only the weight changes.
          expect(removeMirror(removePrereleaseRoute(current, target), target)).toEqual(weightsOnly);
        },
      ),
      { numRuns: 200 },
    );
  });

  const otherSubset: fc.Arbitrary<Subset> = fc
    .record({ name: fc.constantFrom('v1', 'debug', 'canary-old'), extra: unknownFields })
    .map(({ name, extra }) => ({ ...extra, name, labels: { app: 'reviews', track: name } }));
  const destinationRule: fc.Arbitrary<DestinationRule> = fc
    .record({
      subsets: fc.uniqueArray(otherSubset, { selector: (subset) => subset.name, maxLength: 3 }),
      existingBlue: fc.boolean(),
      trafficPolicy: optional(fc.constant({ loadBalancer: { simple: 'LEAST_REQUEST' } })),
      extra: unknownFields,
    })
    .map(({ subsets, existingBlue, trafficPolicy, extra }) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: defined({
        ...extra,
        host: 'reviews',
        trafficPolicy,
        subsets: existingBlue
          ? [...subsets, { name: 'blue', labels: { 'switchyard.io/slot': 'blue' } }]
          : subsets,
      }) as DestinationRule['spec'],
    }));

  it('adds slot subsets before the routes use them and never disturbs the others', () => {
    const labels = { slotLabel: 'switchyard.io/slot', selector: { app: 'reviews' } };
    fc.assert(
      fc.property(
        destinationRule,
        scenario,
        fc.integer({ min: 0, max: 100 }),
        (rule, { virtualService }, green) => {
          const ruleAfter = ensureSlotSubsets(rule, target, labels);
          const routesAfter = setSlotWeights(virtualService, target, { blue: 100 - green, green });
          const plan = planRouteChanges({
            destinationRules: [{ before: rule, after: ruleAfter }],
            virtualServices: [{ before: virtualService, after: routesAfter }],
          });
          expect(plan.map((change) => change.phase)).toEqual(
            [
              !jsonEqual(rule, ruleAfter) && 'add-subsets',
              !jsonEqual(virtualService, routesAfter) && 'update-routes',
            ].filter(Boolean),
          );
          for (const change of plan) {
            expect(applyJsonPatch(change.before, change.patch)).toEqual({
              ok: true,
              document: change.after,
            });
          }
          expect(ruleAfter.spec.subsets?.slice(0, rule.spec.subsets?.length)).toEqual(
            rule.spec.subsets,
          );
          expect(
            ruleAfter.spec.subsets
              ?.map((subset) => subset.name)
              .filter((name) => name === 'blue' || name === 'green'),
          ).toEqual(['blue', 'green']);
          const { subsets: _before, ...restBefore } = rule.spec;
          const { subsets: _after, ...restAfter } = ruleAfter.spec;
          expect(restAfter).toEqual(restBefore);
          expect(
            planRouteChanges({
              destinationRules: [
                { before: ruleAfter, after: ensureSlotSubsets(ruleAfter, target, labels) },
              ],
            }),
          ).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/**
 * `idle-slot-traffic` through HTTPRoutes: the routes of the user's that reach the idle slot's
 * pods through an HTTPRoute release's own route, other HTTPRoutes and VirtualServices, and
 * HTTPRoutes beside a VirtualService release. The routes are shaped as the API server
 * returns them (CRD defaults filled in), as in examples/bookinfo-gateway-api.
 */
import { describe, expect, it } from 'vitest';
import { httpRouteTargetOf } from '../routing/http-route/http-route-backend.js';
import { setHeaderRule } from '../routing/http-route/header-rule.js';
import type { HttpRoute, HttpRouteRule } from '../routing/http-route/http-route-types.js';
import { setRuleMirror } from '../routing/http-route/rule-mirror.js';
import { encodeRecord, initialRecord, STATE_ANNOTATION } from '../release/state-record.js';
import type { VirtualService } from '../istio/types.js';
import {
  healthyContext,
  httpRoute,
  httpRouteContext,
  NOW,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import { idleSlotTrafficCheck } from './idle-slot-traffic-check.js';
import type { PreflightContext } from './preflight-context.js';
import { PREFLIGHT_CHECKS } from './preflight-checks.js';
import { selectChecks } from './run-preflight.js';

const backend = (name: string, weight?: number) => ({
  group: '',
  kind: 'Service',
  name,
  port: 9080,
  ...(weight === undefined ? {} : { weight }),
});

/** A user's rule: requests of jason go to `service`. */
const jason = (service: string): HttpRouteRule => ({
  name: 'jason',
  matches: [
    {
      path: { type: 'PathPrefix', value: '/' },
      headers: [{ type: 'Exact', name: 'end-user', value: 'jason' }],
    },
  ],
  backendRefs: [backend(service, 1)],
});

/** The managed route with switchyard's pre-release header rule, as deploy leaves it. */
function managedRoute(edit: (route: HttpRoute) => void = () => {}): HttpRoute {
  const context = httpRouteContext();
  const route = setHeaderRule(httpRoute(), httpRouteTargetOf(context.spec), {
    slot: 'green',
    headers: { 'x-release': { exact: 'candidate' } },
  });
  edit(route);
  return route;
}

/** An HTTPRoute release of reviews whose managed route is `route`, beside `others`. */
function viaRoute(
  route: HttpRoute,
  others: HttpRoute[] = [],
  overrides: Partial<PreflightContext> = {},
): PreflightContext {
  return httpRouteContext({
    operation: 'deploy',
    httpRoute: route,
    httpRoutes: { ok: true, value: [structuredClone(route), ...others] },
    ...overrides,
  });
}

/** Another team's HTTPRoute. */
function otherRoute(
  name: string,
  namespace: string,
  parentRefs: HttpRoute['spec']['parentRefs'],
  rules: HttpRouteRule[],
): HttpRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace, generation: 1, creationTimestamp: '2026-02-01T00:00:00Z' },
    spec: { parentRefs, rules },
  };
}

const INGRESS = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shop-ingress' }];

/** `route` as istiod reports it when its Gateway does not allow it. */
function refused(route: HttpRoute): HttpRoute {
  route.spec.rules![0]!.backendRefs![0]!.namespace = 'bookinfo';
  route.status = {
    parents: (route.spec.parentRefs ?? []).map((parentRef) => ({
      parentRef,
      controllerName: 'istio.io/gateway-controller',
      conditions: [{ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners' }],
    })),
  };
  return route;
}

describe('idle-slot-traffic through an HTTPRoute', () => {
  it('runs for doctor and deploy through either kind of routing object', () => {
    for (const kind of ['HTTPRoute', 'VirtualService'] as const)
      for (const operation of ['doctor', 'deploy'] as const)
        expect(
          selectChecks(PREFLIGHT_CHECKS, operation, [], kind).map((check) => check.id),
          `${operation} ${kind}`,
        ).toContain('idle-slot-traffic');
  });

  it("passes the managed route as deploy leaves it: weights and pre-release rule are switchyard's", () => {
    const route = managedRoute();
    expect(route.spec.rules?.map((rule) => rule.name)).toEqual([
      'primary',
      'switchyard-reviews-prerelease',
    ]);
    expect(idleSlotTrafficCheck.run(viaRoute(route))).toEqual([]);
  });

  it("catches a header-match rule of the user's to the idle slot's Service, naming rule and field", () => {
    const found = idleSlotTrafficCheck.run(
      viaRoute(managedRoute((route) => route.spec.rules?.push(jason('reviews-green')))),
    );
    expect(summary(found)).toEqual(['error idle-slot-traffic spec.rules[2].backendRefs[0]']);
    expect(found[0]?.object).toEqual({ kind: 'HTTPRoute', namespace: 'bookinfo', name: 'reviews' });
    expect(found[0]?.message).toMatch(
      /^rules\[2\] "jason" sends requests \(through sidecars\) to Service reviews-green, which reaches the pods of the idle green slot/,
    );
    expect(found[0]?.fix).toContain(
      'point rules[2] "jason" at the active blue slot (its Service reviews-blue)',
    );
    // The same rule to the active slot reaches nothing idle.
    expect(
      idleSlotTrafficCheck.run(
        viaRoute(managedRoute((route) => route.spec.rules?.push(jason('reviews-blue')))),
      ),
    ).toEqual([]);
  });

  it("catches a user's RequestMirror to the idle slot, unless a release mirrors on purpose", () => {
    const target = httpRouteTargetOf(httpRouteContext().spec);
    const mirrored = setRuleMirror(managedRoute(), target, { slot: 'green', percentage: 10 });
    expect(summary(idleSlotTrafficCheck.run(viaRoute(mirrored)))).toEqual([
      'error idle-slot-traffic spec.rules[0].filters[0].requestMirror.backendRef',
    ]);
    expect(idleSlotTrafficCheck.run(viaRoute(mirrored))[0]?.message).toMatch(
      /^rules\[0\] "primary" mirrors copies of requests to Service reviews-green/,
    );
    const releasing = structuredClone(mirrored);
    releasing.metadata.annotations = {
      [STATE_ANNOTATION]: encodeRecord({
        ...initialRecord({
          service: 'reviews',
          namespace: 'bookinfo',
          activeSlot: 'blue',
          holder: 'ci',
          now: new Date(NOW),
        }),
        phase: 'releasing',
        candidateSlot: 'green',
        mirrorPercent: 10,
      }),
    };
    expect(idleSlotTrafficCheck.run(viaRoute(releasing))).toEqual([]);
    const none = setRuleMirror(managedRoute(), target, { slot: 'green', percentage: 0 });
    expect(idleSlotTrafficCheck.run(viaRoute(none))).toEqual([]);
  });

  it('catches other HTTPRoutes, of any namespace, to the idle slot or to the service itself', () => {
    const canary = otherRoute(
      'reviews-canary',
      'bookinfo',
      [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
      [{ backendRefs: [backend('reviews-blue', 90), backend('reviews-green', 10)] }],
    );
    const shop = otherRoute('shop-reviews', 'shop', INGRESS, [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/reviews' } }],
        backendRefs: [{ ...backend('reviews', 1), namespace: 'bookinfo' }],
      },
    ]);
    const found = idleSlotTrafficCheck.run(viaRoute(managedRoute(), [canary, shop]));
    expect(found.map((f) => `${f.object.namespace}/${f.object.name} ${f.field}`)).toEqual([
      'bookinfo/reviews-canary spec.rules[0].backendRefs[1]',
      'shop/shop-reviews spec.rules[0].backendRefs[0]',
    ]);
    expect(found[1]?.message).toMatch(
      /^rules\[0\] sends requests \(through Gateway shop\/shop-ingress\) to Service reviews, which reaches the pods of the idle green slot/,
    );
  });

  it('leaves weight-0 backendRefs, routes no parent accepts, other namespaces and other kinds alone', () => {
    const quiet = [
      otherRoute('weighted-off', 'bookinfo', INGRESS, [
        { backendRefs: [backend('reviews-blue', 1), backend('reviews-green', 0)] },
      ]),
      otherRoute('detached', 'bookinfo', [], [{ backendRefs: [backend('reviews-green', 1)] }]),
      // `reviews-green` of the shop namespace: a Service of theirs, not our slot.
      otherRoute('shop-own', 'shop', INGRESS, [{ backendRefs: [backend('reviews-green', 1)] }]),
      otherRoute('imports', 'bookinfo', INGRESS, [
        {
          backendRefs: [
            {
              ...backend('reviews-green', 1),
              group: 'multicluster.x-k8s.io',
              kind: 'ServiceImport',
            },
          ],
        },
      ]),
      otherRoute('ratings', 'bookinfo', INGRESS, [{ backendRefs: [backend('ratings', 1)] }]),
      refused(otherRoute('refused', 'shop', INGRESS, [{ backendRefs: [backend('reviews', 1)] }])),
    ];
    expect(idleSlotTrafficCheck.run(viaRoute(managedRoute(), quiet))).toEqual([]);
  });

  it('catches a VirtualService routing to the idle slot Service or to the service', () => {
    const vs: VirtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews-edge', namespace: 'edge' },
      spec: {
        hosts: ['reviews.example.com'],
        gateways: ['istio-system/edge'],
        http: [
          {
            match: [{ uri: { prefix: '/preview' } }],
            route: [{ destination: { host: 'reviews-green.bookinfo.svc.cluster.local' } }],
          },
          { route: [{ destination: { host: 'reviews-blue.bookinfo.svc.cluster.local' } }] },
        ],
      },
    };
    const found = idleSlotTrafficCheck.run(
      viaRoute(managedRoute(), [], { virtualServices: { ok: true, value: [vs] } }),
    );
    expect(summary(found)).toEqual(['error idle-slot-traffic spec.http[0].route[0].destination']);
    expect(found[0]?.message).toContain(
      'through Gateway istio-system/edge) to reviews-green.bookinfo.svc.cluster.local (no subset: every pod)',
    );
    // A VirtualService named like the service is not managed through an HTTPRoute: its
    // default route to the service (both slots' pods) is the user's.
    const named = virtualService();
    const viaService = idleSlotTrafficCheck.run(
      viaRoute(managedRoute(), [], {
        virtualServices: {
          ok: true,
          value: [
            {
              ...named,
              spec: { ...named.spec, http: [{ route: [{ destination: { host: 'reviews' } }] }] },
            },
          ],
        },
      }),
    );
    expect(summary(viaService)).toEqual([
      'error idle-slot-traffic spec.http[0].route[0].destination',
    ]);
  });

  it('judges by the live weights: with green active, a rule to blue is the one caught', () => {
    const flipped = managedRoute((route) => {
      const primary = route.spec.rules?.[0];
      primary!.backendRefs = [backend('reviews-blue', 0), backend('reviews-green', 100)];
      route.spec.rules?.push(jason('reviews-blue'), { ...jason('reviews-green'), name: 'mine' });
    });
    const found = idleSlotTrafficCheck.run(viaRoute(flipped));
    expect(found.map((f) => f.field)).toEqual(['spec.rules[2].backendRefs[0]']);
    expect(found[0]?.message).toContain('idle blue slot');
  });

  it('warns instead with deploy.allowIdleSlotTraffic; release does not run it', () => {
    const route = managedRoute((r) => r.spec.rules?.push(jason('reviews-green')));
    const allowed = httpRouteContext(
      {
        operation: 'deploy',
        httpRoute: route,
        httpRoutes: { ok: true, value: [route] },
      },
      { deploy: { allowIdleSlotTraffic: true } },
    );
    expect(summary(idleSlotTrafficCheck.run(allowed))).toEqual([
      'warning idle-slot-traffic spec.rules[2].backendRefs[0]',
    ]);
    expect(idleSlotTrafficCheck.run({ ...viaRoute(route), operation: 'release' })).toEqual([]);
  });

  it('says which kinds it could not list, in one finding', () => {
    const forbidden = { ok: false as const, error: 'forbidden' };
    const found = idleSlotTrafficCheck.run(viaRoute(managedRoute(), [], { httpRoutes: forbidden }));
    expect(summary(found)).toEqual(['info idle-slot-traffic ']);
    expect(found[0]?.object).toEqual({ kind: 'HTTPRoute', namespace: 'bookinfo', name: 'reviews' });
    expect(found[0]?.message).toBe(
      'not checked: which other routes reach the idle slot: httproutes: forbidden',
    );
    const both = idleSlotTrafficCheck.run(
      viaRoute(managedRoute(), [], { httpRoutes: forbidden, virtualServices: forbidden }),
    );
    expect(summary(both)).toEqual(['info idle-slot-traffic ']);
    expect(both[0]?.fix).toBe(
      'grant list on virtualservices and httproutes in every namespace (deploy/rbac/preflight)',
    );
  });
});

describe('idle-slot-traffic: HTTPRoutes beside a VirtualService release', () => {
  it("catches a Gateway's HTTPRoute to the service, which reaches both slots' pods", () => {
    const ingress = otherRoute('reviews-ingress', 'bookinfo', INGRESS, [
      { backendRefs: [backend('reviews', 1)] },
    ]);
    const found = idleSlotTrafficCheck.run(
      healthyContext({ operation: 'deploy', httpRoutes: { ok: true, value: [ingress] } }),
    );
    expect(summary(found)).toEqual(['error idle-slot-traffic spec.rules[0].backendRefs[0]']);
    expect(found[0]?.object).toEqual({
      kind: 'HTTPRoute',
      namespace: 'bookinfo',
      name: 'reviews-ingress',
    });
    expect(found[0]?.fix).toContain(
      'point rules[0] at the active blue slot (a Service that selects only its pods)',
    );
  });
});

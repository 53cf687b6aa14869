/**
 * The Gateway API pitfalls `doctor` reports through an HTTPRoute, each on a context broken in
 * one place, and silence on the healthy one.
 */
import { describe, expect, it } from 'vitest';
import {
  deployment,
  gatewayApiGateway,
  httpRoute,
  httpRouteContext,
  slotService,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import { backendPortsCheck } from './backend-ports-check.js';
import { gatewayAddressCheck } from './gateway-address-check.js';
import { gatewayApiCrdsCheck } from './gateway-api-crds-check.js';
import { httpRouteObjectsCheck } from './http-route-objects-check.js';
import { PREFLIGHT_CHECKS } from './preflight-checks.js';
import { routeHeadersCheck } from './route-headers-check.js';
import { routeHostConflictCheck } from './route-host-conflict-check.js';
import { routeStatusCheck } from './route-status-check.js';
import { selectChecks } from './run-preflight.js';
import { slotServicesCheck } from './slot-services-check.js';

const GATEWAY_API_CHECKS = [
  httpRouteObjectsCheck,
  gatewayApiCrdsCheck,
  routeHostConflictCheck,
  slotServicesCheck,
  backendPortsCheck,
  gatewayAddressCheck,
  routeHeadersCheck,
  routeStatusCheck,
];

describe('the Gateway API checks', () => {
  it('pass on the healthy HTTPRoute, and run only for HTTPRoute releases', () => {
    const accepted = httpRoute({ gateway: true });
    accepted.status = {
      parents: (accepted.spec.parentRefs ?? []).map((parentRef) => ({
        parentRef,
        controllerName: 'istio.io/gateway-controller',
        conditions: ['Accepted', 'ResolvedRefs'].map((type) => ({
          type,
          status: 'True',
          observedGeneration: 1,
        })),
      })),
    };
    const context = httpRouteContext({
      httpRoute: accepted,
      routeGateways: {
        ok: true,
        value: new Map([['bookinfo/bookinfo-ingress', gatewayApiGateway()]]),
      },
    });
    for (const check of GATEWAY_API_CHECKS) expect(check.run(context), check.id).toEqual([]);
    const viaRoute = selectChecks(PREFLIGHT_CHECKS, 'doctor', [], 'HTTPRoute').map((c) => c.id);
    const viaVs = selectChecks(PREFLIGHT_CHECKS, 'doctor', [], 'VirtualService').map((c) => c.id);
    for (const check of GATEWAY_API_CHECKS) {
      expect(viaRoute).toContain(check.id);
      expect(viaVs).not.toContain(check.id);
    }
    expect(viaVs).toHaveLength(22);
    expect(viaRoute).not.toContain('ambient-virtualservice');
    expect(viaVs).not.toContain('ambient-ingress');
    expect(viaRoute).not.toContain('subset-labels');
    expect(viaRoute).toContain('port-protocol');
  });

  it('http-route-objects: a missing route, no parent, unmanageable rules', () => {
    expect(summary(httpRouteObjectsCheck.run(httpRouteContext({ httpRoute: undefined })))).toEqual([
      'error http-route-objects ',
    ]);
    const orphan = httpRoute();
    orphan.spec.parentRefs = [];
    orphan.spec.rules![0]!.backendRefs = [{ name: 'ratings', port: 9080 }];
    const findings = httpRouteObjectsCheck.run(httpRouteContext({ httpRoute: orphan }));
    expect(summary(findings)).toEqual([
      'error http-route-objects spec.parentRefs',
      'error http-route-objects spec.rules',
    ]);
    expect(findings[1]?.message).toContain('no rule sends traffic to the slot Services');
  });

  it('gateway-api-crds: absent, too old for the header rule and a mirror, not readable', () => {
    expect(
      gatewayApiCrdsCheck.run(
        httpRouteContext({ httpRouteSchema: { ok: true, value: undefined } }),
      )[0]?.message,
    ).toBe('not installed: the cluster does not serve HTTPRoutes');
    const old = {
      ok: true as const,
      value: {
        bundleVersion: 'v1.1.0',
        channel: 'standard',
        servesV1: true,
        fields: { ruleName: false, mirrorPercent: false },
      },
    };
    const mirroring = httpRouteContext(
      { httpRouteSchema: old },
      { strategy: { steps: [{ mirror: 10 }, { weight: 100 }] } },
    );
    const messages = gatewayApiCrdsCheck.run(mirroring).map((f) => f.message);
    expect(messages).toEqual([
      expect.stringContaining('the installed CRD (v1.1.0 standard) has no spec.rules[].name'),
      expect.stringContaining('has no spec.rules[].filters[].requestMirror.percent'),
    ]);
    expect(
      summary(
        gatewayApiCrdsCheck.run(
          httpRouteContext({ httpRouteSchema: { ok: false, error: 'forbidden' } }),
        ),
      ),
    ).toEqual(['info gateway-api-crds ']);
  });

  it('route-host-conflict: a mesh VirtualService for the host, another HTTPRoute on the parent', () => {
    const other = { ...httpRoute(), metadata: { ...httpRoute().metadata, name: 'reviews-beta' } };
    const findings = routeHostConflictCheck.run(
      httpRouteContext({
        virtualServices: { ok: true, value: [virtualService()] },
        httpRoutes: { ok: true, value: [httpRoute(), other] },
      }),
    );
    expect(summary(findings)).toEqual([
      'error route-host-conflict spec.hosts',
      'warning route-host-conflict spec.parentRefs',
    ]);
    expect(findings[0]?.object).toEqual({
      kind: 'VirtualService',
      namespace: 'bookinfo',
      name: 'reviews',
    });
    expect(findings[0]?.message).toContain('Istio leaves which one a sidecar follows undefined');
    expect(findings[1]?.message).toContain('HTTPRoute bookinfo/reviews-beta also attach');
  });

  it("slot-services: missing, selecting none of its slot's pods, selecting the other slot's too", () => {
    const run = (blue: ReturnType<typeof slotService> | undefined) =>
      slotServicesCheck.run(
        httpRouteContext({
          deployments: { blue: deployment('blue', 2), green: deployment('green', 1) },
          backendServices: new Map([
            ['reviews-blue', blue],
            ['reviews-green', slotService('green')],
          ]),
        }),
      );
    expect(summary(run(undefined))).toEqual(['error slot-services ']);
    const both = run(slotService('blue', { app: 'reviews' }));
    expect(both.map((f) => f.message)).toEqual([
      expect.stringContaining("also matches the green slot's pods"),
    ]);
    const wrong = run(slotService('blue', { app: 'reviews', version: 'green' }));
    expect(wrong.map((f) => f.message)).toEqual([
      expect.stringContaining("matches none of the blue slot's pods"),
      expect.stringContaining("also matches the green slot's pods"),
    ]);
    const none = run(slotService('blue', { app: 'ratings', version: 'blue' }));
    expect(none.map((f) => f.message)).toEqual([
      "selects {app=ratings,version=blue}, which matches none of the blue slot's pods (labels of Deployment reviews-blue): its share of the traffic would fail",
    ]);
  });

  it('backend-ports: a port the Service lacks, a backend Service that does not exist', () => {
    const route = httpRoute();
    route.spec.rules![0]!.backendRefs![1]!.port = 8080;
    route.spec.rules!.push({ name: 'ratings', backendRefs: [{ name: 'ratings', port: 9080 }] });
    const findings = backendPortsCheck.run(
      httpRouteContext({
        httpRoute: route,
        backendServices: new Map([
          ['reviews-blue', slotService('blue')],
          ['reviews-green', slotService('green')],
          ['ratings', undefined],
        ]),
      }),
    );
    expect(summary(findings)).toEqual([
      'error backend-ports spec.rules[0].backendRefs[1].port',
      'error backend-ports spec.rules[1].backendRefs[0]',
    ]);
    expect(findings[0]?.message).toBe(
      'sends to port 8080 of Service reviews-green, which has port 9080: istiod accepts it, and Envoy answers that share with 500 (no such cluster)',
    );
  });

  it('gateway-address: a Gateway missing, or not Programmed with its address pending', () => {
    const pending = gatewayApiGateway({
      addresses: [],
      conditions: [
        {
          type: 'Programmed',
          status: 'False',
          reason: 'AddressNotAssigned',
          message:
            'address pending for hostname "bookinfo-ingress-istio.bookinfo.svc.cluster.local"',
        },
      ],
    });
    const run = (gateway: ReturnType<typeof gatewayApiGateway> | undefined) =>
      gatewayAddressCheck.run(
        httpRouteContext({
          httpRoute: httpRoute({ gateway: true }),
          routeGateways: { ok: true, value: new Map([['bookinfo/bookinfo-ingress', gateway]]) },
        }),
      );
    expect(summary(run(undefined))).toEqual(['error gateway-address ']);
    const [finding] = run(pending);
    expect(finding).toMatchObject({
      severity: 'warning',
      object: { kind: 'Gateway', namespace: 'bookinfo', name: 'bookinfo-ingress' },
    });
    expect(finding?.message).toContain('not Programmed (AddressNotAssigned: address pending');
  });

  it('route-headers: a header proxies strip or rewrite, a managed match on the pre-release header', () => {
    const ingress = httpRouteContext(
      { httpRoute: httpRoute({ gateway: true }) },
      { deploy: { preRelease: { headers: [{ name: 'x-envoy-release', exact: 'candidate' }] } } },
    );
    expect(routeHeadersCheck.run(ingress)).toMatchObject([
      {
        severity: 'error',
        object: { kind: 'ReleaseSpec', name: 'reviews' },
        message: expect.stringContaining(
          'Envoy removes x-envoy-* headers from requests entering at a gateway',
        ),
      },
    ]);
    const clash = httpRoute();
    clash.spec.rules![0]!.matches = [
      { path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'X-Release', value: 'a' }] },
    ];
    expect(summary(routeHeadersCheck.run(httpRouteContext({ httpRoute: clash })))).toEqual([
      'error route-headers spec.rules[0].matches[0].headers.X-Release',
    ]);
  });

  it('route-status: a route istiod refuses now, or has not reported on', () => {
    const refused = httpRoute();
    refused.status = {
      parents: [
        {
          parentRef: { group: '', kind: 'Service', name: 'reviews', port: 9080 },
          controllerName: 'istio.io/gateway-controller',
          conditions: [
            { type: 'Accepted', status: 'True', observedGeneration: 1 },
            {
              type: 'ResolvedRefs',
              status: 'False',
              reason: 'BackendNotFound',
              message: 'backend(ratings.bookinfo.svc.cluster.local) not found',
              observedGeneration: 1,
            },
          ],
        },
      ],
    };
    const [finding] = routeStatusCheck.run(httpRouteContext({ httpRoute: refused }));
    expect(finding).toMatchObject({ severity: 'error', field: 'status.parents' });
    expect(finding?.message).toBe(
      'istiod does not accept it for Service bookinfo/reviews:9080: ResolvedRefs BackendNotFound: backend(ratings.bookinfo.svc.cluster.local) not found; every step would be refused',
    );
    expect(summary(routeStatusCheck.run(httpRouteContext()))).toEqual([
      'warning route-status status.parents',
    ]);
  });
});

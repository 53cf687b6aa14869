/**
 * The HTTPRoute backend through the seam: what it reads and refuses (exit 2 material), the
 * proxies its parents put in the sync gate's scope, what Envoy must show, the pinned patch,
 * the checks' labels, and istiod's status awaited after a write.
 */
import { describe, expect, it } from 'vitest';
import { RouteNotAcceptedError } from '../../errors.js';
import { FakeClock } from '../../release/fake-clock.js';
import {
  bookinfoHttpRoute,
  FakeCluster,
  httpRouteCrd,
} from '../../release/__fixtures__/fake-cluster.js';
import { resolveReleaseSpec } from '../../spec/resolve-release-spec.js';
import type { ResolvedReleaseSpec } from '../../spec/resolved-release-spec.js';
import type { ReleaseSpecOverrides } from '../../spec/release-spec.js';
import { decideRouteBackendKind, routeBackendFor } from '../route-backends.js';
import type { RouteBackend } from '../route-backend.js';
import { backend, primaryRule, route } from './__fixtures__/http-route-fixtures.js';
import type { HttpRoute } from './http-route-types.js';
import { acceptanceOf, awaitRouteAccepted } from './route-status.js';

function specFor(
  overrides: ReleaseSpecOverrides = {},
  options: { preRelease?: boolean } = {},
): ResolvedReleaseSpec {
  const spec = resolveReleaseSpec(
    undefined,
    {
      service: 'reviews',
      ...(options.preRelease === false
        ? {}
        : { deploy: { preRelease: { headers: [{ name: 'x-release', exact: 'candidate' }] } } }),
      ...overrides,
    },
    { defaultNamespace: 'bookinfo' },
  );
  return { ...spec, target: { ...spec.target, kind: 'HTTPRoute' } };
}

function setup(overrides: ReleaseSpecOverrides = {}) {
  const cluster = new FakeCluster(bookinfoHttpRoute());
  const backendOf = (spec = specFor(overrides)) =>
    routeBackendFor(spec, cluster) as RouteBackend<HttpRoute>;
  return { cluster, backend: backendOf(), backendOf };
}

async function problemsOf(cluster: FakeCluster, spec = specFor()) {
  const read = await routeBackendFor(spec, cluster).read();
  return (read.problems ?? []).map((p) => `${p.object.kind} ${p.object.name}: ${p.message}`);
}

describe('the HTTPRoute route backend', () => {
  it('reads the route and both slot Services, and reads weights from the managed rule', async () => {
    const { backend: b } = setup();
    expect(b.ref).toEqual({ kind: 'HTTPRoute', namespace: 'bookinfo', name: 'reviews' });
    const read = await b.read();
    expect(read.problems).toBeUndefined();
    expect(b.readWeights(read.loaded!.object)).toEqual({ blue: 100, green: 0 });
  });

  it('names every missing or unusable object at once: route, slot Service, selector, CRD fields', async () => {
    const cluster = new FakeCluster(
      bookinfoHttpRoute().filter(
        (o) =>
          !(o.kind === 'Service' && o.metadata.name === 'reviews-green') && o.kind !== 'HTTPRoute',
      ),
    );
    const blue = cluster.peek<{ spec: { selector: Record<string, string> } }>(
      'Service',
      'bookinfo',
      'reviews-blue',
    );
    blue.spec.selector = { app: 'reviews' };
    expect(await problemsOf(cluster)).toEqual([
      'HTTPRoute reviews: not found; switchyard works on your own HTTPRoute: create it first (see examples/bookinfo-gateway-api)',
      "Service reviews-blue: its selector {app=reviews} does not select by version, so it sends to both slots' pods; a slot Service must select version=blue (target.slots.blue.labelValue)",
      "Service reviews-green: not found (target.slots.green.service): an HTTPRoute's slot is a Service selecting that slot's pods; create it",
    ]);

    const old = new FakeCluster([
      ...bookinfoHttpRoute().filter((o) => o.kind !== 'CustomResourceDefinition'),
      httpRouteCrd({ version: 'v1.1.0', ruleName: false, mirrorPercent: false }),
    ]);
    const mirroring = specFor({ strategy: { steps: [{ mirror: 20 }, { weight: 100 }] } });
    expect(await problemsOf(old, mirroring)).toEqual([
      expect.stringContaining(
        'CustomResourceDefinition httproutes.gateway.networking.k8s.io: the installed CRD (v1.1.0 standard) has no spec.rules[].name',
      ),
      expect.stringContaining('has no spec.rules[].filters[].requestMirror.percent'),
    ]);
    // Without a header route or mirror steps the schema is not needed, nor read.
    expect(await problemsOf(old, specFor({}, { preRelease: false }))).toEqual([]);
  });

  it("refuses a route whose Service parent is another service's", async () => {
    const { cluster } = setup();
    const stored = cluster.peek<HttpRoute>('HTTPRoute', 'bookinfo', 'reviews');
    stored.spec.parentRefs = [{ group: '', kind: 'Service', name: 'ratings', port: 9080 }];
    expect(await problemsOf(cluster)).toEqual([
      "HTTPRoute reviews: spec.parentRefs[0] is the Service ratings, not reviews: this route does not route reviews's mesh traffic (target.httpRoute names the wrong route?)",
    ]);
  });

  it("gates on its parents' proxies: the callers' sidecars, the Gateway's routers, or both", () => {
    const { backend: b } = setup();
    const gateway = { name: 'bookinfo-ingress', sectionName: 'http' };
    const service = { group: '', kind: 'Service', name: 'reviews', port: 9080 };
    expect(b.proxyScope(route([primaryRule()], [service]))).toEqual({
      sets: [{ proxyTypes: ['sidecar'], namespaces: undefined, selector: undefined }],
    });
    expect(b.proxyScope(route([primaryRule()], [gateway]))).toEqual({
      sets: [
        {
          proxyTypes: ['router'],
          namespaces: ['bookinfo'],
          selector: 'gateway.networking.k8s.io/gateway-name=bookinfo-ingress',
        },
      ],
    });
    expect(
      b.proxyScope(route([primaryRule()], [service, { ...gateway, namespace: 'ingress' }])).sets,
    ).toEqual([
      { proxyTypes: ['sidecar'], namespaces: undefined, selector: undefined },
      {
        proxyTypes: ['router'],
        namespaces: ['ingress'],
        selector: 'gateway.networking.k8s.io/gateway-name=bookinfo-ingress',
      },
    ]);
  });

  it('expects per-Service clusters on the named Envoy route, the header route to the candidate', async () => {
    const { backend: b } = setup();
    const { loaded } = await b.read();
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews' },
      spec: { ports: [{ port: 9080 }] },
    };
    expect(
      b.dataplaneExpectation(
        loaded!.object,
        { weights: { blue: 90, green: 10 }, headerRouteTo: 'green' },
        service,
      ),
    ).toEqual({
      host: 'reviews.bookinfo.svc.cluster.local',
      port: 9080,
      weights: { 'reviews-blue': 90, 'reviews-green': 10 },
      clusters: {
        'reviews-blue': 'outbound|9080||reviews-blue.bookinfo.svc.cluster.local',
        'reviews-green': 'outbound|9080||reviews-green.bookinfo.svc.cluster.local',
      },
      routeName: 'primary',
      headerRoute: {
        name: 'switchyard-reviews-prerelease',
        present: true,
        destination: 'reviews-green',
      },
    });
  });

  describe('in ambient, bound to a waypoint', () => {
    /** bookinfo enrolled in ambient, its Services bound to `waypoint`; callers as given. */
    function ambient(callers: { name: string; sidecar: boolean }[]) {
      const cluster = new FakeCluster(bookinfoHttpRoute());
      const pod = (name: string, labels: Record<string, string>, sidecar = false) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'bookinfo', labels },
        spec: {
          containers: sidecar ? [{ name: 'app' }, { name: 'istio-proxy' }] : [{ name: 'app' }],
        },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      });
      const pods = [
        pod('reviews-blue-1', { app: 'reviews', version: 'blue' }),
        pod('waypoint-1', { 'gateway.networking.k8s.io/gateway-name': 'waypoint' }),
        ...callers.map((c) => pod(c.name, { app: c.name }, c.sidecar)),
      ];
      const kube = {
        ...cluster,
        namespaces: {
          get: (_: string, name: string) =>
            Promise.resolve({
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: {
                name,
                labels: {
                  'istio.io/dataplane-mode': 'ambient',
                  'istio.io/use-waypoint': 'waypoint',
                },
              },
            }),
        },
        pods: {
          list: (_: string, options?: { labelSelector?: string }) =>
            Promise.resolve(
              options?.labelSelector === 'gateway.networking.k8s.io/gateway-name=waypoint'
                ? pods.slice(1, 2)
                : pods,
            ),
        },
        gatewayApiGateways: {
          get: (namespace: string, name: string) =>
            Promise.resolve({
              apiVersion: 'gateway.networking.k8s.io/v1',
              kind: 'Gateway',
              metadata: { name, namespace },
              spec: { gatewayClassName: 'istio-waypoint' },
              status: {
                addresses: [{ value: 'waypoint.bookinfo.svc.cluster.local' }],
                conditions: [{ type: 'Programmed', status: 'True' }],
              },
            }),
        },
      };
      return routeBackendFor(specFor(), kube) as RouteBackend<HttpRoute>;
    }
    const service = { group: '', kind: 'Service', name: 'reviews', port: 9080 };
    const sidecars = { proxyTypes: ['sidecar'], namespaces: undefined, selector: undefined };
    const waypoint = {
      proxyTypes: ['waypoint'],
      namespaces: ['bookinfo'],
      selector: 'gateway.networking.k8s.io/gateway-name=waypoint',
    };

    it("gates on the waypoint's proxies too, and counts what the waypoint reports", async () => {
      const b = ambient([{ name: 'productpage', sidecar: false }]);
      const read = await b.read();
      expect(read.loaded?.dataplane).toEqual({
        kind: 'waypoint',
        waypoint: { namespace: 'bookinfo', name: 'waypoint', boundBy: 'Namespace' },
        sidecarCallers: [],
        problems: [],
      });
      expect(b.proxyScope(route([primaryRule()], [service])).sets).toEqual([sidecars, waypoint]);
      expect(b.requestSelector('green')).toBe(
        'reporter="waypoint",destination_service_namespace="bookinfo",destination_service_name="reviews-green"',
      );
    });

    it('counts the waypoint and the callers’ sidecars in a mixed namespace', async () => {
      const b = ambient([
        { name: 'productpage', sidecar: false },
        { name: 'sidecar-caller', sidecar: true },
      ]);
      expect((await b.read()).loaded?.dataplane).toMatchObject({
        sidecarCallers: ['sidecar-caller'],
      });
      expect(b.proxyScope(route([primaryRule()], [service])).sets).toEqual([sidecars, waypoint]);
      expect(b.requestSelector('blue')).toBe(
        'reporter=~"source|waypoint",destination_service_namespace="bookinfo",destination_service_name="reviews-blue"',
      );
    });
  });

  it('counts a slot by its Service as the callers report it', () => {
    const { backend: b } = setup();
    expect(b.requestSelector('green')).toBe(
      'reporter="source",destination_service_namespace="bookinfo",destination_service_name="reviews-green"',
    );
  });

  it('writes one patch pinning the managed backendRefs, described in its own words', async () => {
    const { backend: b, cluster } = setup();
    const { loaded } = await b.read();
    const before = loaded!.object;
    const after = b.setWeights(before, { blue: 90, green: 10 });
    const write = b.planWrite(before, after, { pinManagedRoutes: true })!;
    expect(write.description).toBe(
      'HTTPRoute bookinfo/reviews: rule "primary": weights reviews-blue 100→90, reviews-green 0→10',
    );
    expect(write.patch[0]).toEqual({
      op: 'test',
      path: '/spec/rules/0/backendRefs',
      value: [backend('reviews-blue', 100), backend('reviews-green', 0)],
    });
    expect(write.diff).toContain('a/HTTPRoute/bookinfo/reviews');
    const written = await b.patch(write.patch);
    expect(written.metadata.generation).toBe(2);
    // Someone moved the weights: the pinned write fails, nothing changes.
    const stored = cluster.peek<HttpRoute>('HTTPRoute', 'bookinfo', 'reviews');
    stored.spec.rules![0]!.backendRefs![0]!.weight = 50;
    await expect(b.patch(write.patch)).rejects.toThrow('test failed');
    expect(b.planWrite(before, before, { pinManagedRoutes: true })).toBeUndefined();
  });
});

describe("istiod's status of a route", () => {
  const accepted = (
    generation: number,
    parentRef = { group: '', kind: 'Service', name: 'reviews', port: 9080 },
  ) => ({
    parentRef,
    controllerName: 'istio.io/gateway-controller',
    conditions: [
      { type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: generation },
      {
        type: 'ResolvedRefs',
        status: 'True',
        reason: 'ResolvedRefs',
        observedGeneration: generation,
      },
    ],
  });
  const missing = (generation: number) => ({
    ...accepted(generation),
    conditions: [
      { type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: generation },
      {
        type: 'ResolvedRefs',
        status: 'False',
        reason: 'BackendNotFound',
        message: 'backend(reviews-green.bookinfo.svc.cluster.local) not found',
        observedGeneration: generation,
      },
    ],
  });
  const at = (parents: unknown[], generation = 3): HttpRoute => {
    const r = route([primaryRule()]);
    return { ...r, metadata: { ...r.metadata, generation }, status: { parents } } as HttpRoute;
  };

  it('is accepted when every parent reports both conditions True at the generation or later', () => {
    expect(acceptanceOf(at([accepted(3)]), 3)).toEqual({ state: 'accepted' });
    expect(acceptanceOf(at([accepted(2)]), 3)).toEqual({
      state: 'pending',
      waiting: [{ parent: 'Service bookinfo/reviews:9080' }],
    });
    expect(acceptanceOf(at([missing(3)]), 3)).toEqual({
      state: 'refused',
      refused: [
        {
          parent: 'Service bookinfo/reviews:9080',
          condition: 'ResolvedRefs',
          reason: 'BackendNotFound',
          message: 'backend(reviews-green.bookinfo.svc.cluster.local) not found',
        },
      ],
    });
    // A Gateway parent as istiod echoes it back, with the group and kind defaulted.
    const gatewayRoute = {
      ...route([primaryRule()], [{ name: 'ingress', sectionName: 'http' }]),
      status: {
        parents: [
          accepted(3, {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: 'ingress',
            sectionName: 'http',
          } as never),
        ],
      },
    } as HttpRoute;
    expect(acceptanceOf(gatewayRoute, 3)).toEqual({ state: 'accepted' });
  });

  it('waits for the status, fails at once on a refusal, and times out', async () => {
    const clock = new FakeClock();
    const options = { timeoutMs: 30_000, pollIntervalMs: 1_000, clock };
    let reads = 0;
    const later = async (answer: HttpRoute) => {
      reads++;
      return Promise.resolve(reads < 3 ? at([accepted(2)]) : answer);
    };
    await awaitRouteAccepted(() => later(at([accepted(3)])), at([accepted(2)]), options);
    expect(reads).toBe(3);

    reads = 0;
    // Whatever the cause: a backend gone since the last step is refused at the next write,
    // even though istiod reported it before the write already (the real test bed showed it).
    const refused = awaitRouteAccepted(
      () => later(at([missing(3)])),
      at([missing(2), accepted(2)]),
      options,
    );
    await expect(refused).rejects.toThrow(RouteNotAcceptedError);
    await expect(refused).rejects.toThrow(
      'istiod refused HTTPRoute bookinfo/reviews (generation 3) for Service bookinfo/reviews:9080: ResolvedRefs BackendNotFound: backend(reviews-green.bookinfo.svc.cluster.local) not found',
    );

    const silent = awaitRouteAccepted(() => Promise.resolve(at([])), at([]), options);
    await expect(silent).rejects.toMatchObject({
      timedOut: true,
      message:
        'istiod reported no status for generation 3 of HTTPRoute bookinfo/reviews within 30s (waiting for Service bookinfo/reviews:9080)',
    });
    expect(clock.now()).toBeGreaterThanOrEqual(30_000);
  });
});

describe('choosing the backend', () => {
  it('detects the kind that routes the service, and refuses when both do', async () => {
    const spec = resolveReleaseSpec(
      undefined,
      { service: 'reviews' },
      { defaultNamespace: 'bookinfo' },
    );
    const viaRoute = new FakeCluster(bookinfoHttpRoute());
    expect((await decideRouteBackendKind(spec, viaRoute)).target.kind).toBe('HTTPRoute');
    const both = new FakeCluster([
      ...bookinfoHttpRoute(),
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'reviews', namespace: 'bookinfo' },
        spec: {
          hosts: ['reviews'],
          http: [{ route: [{ destination: { host: 'reviews', subset: 'blue' } }] }],
        },
      },
    ]);
    await expect(decideRouteBackendKind(spec, both)).rejects.toMatchObject({
      issues: [
        {
          path: 'target.kind',
          message: expect.stringContaining(
            'both VirtualService bookinfo/reviews and HTTPRoute bookinfo/reviews route reviews',
          ),
        },
      ],
    });
    // Neither: undecided, and the VirtualService backend's read names both.
    const none = new FakeCluster([]);
    const undecided = await decideRouteBackendKind(spec, none);
    expect(undecided.target.kind).toBeUndefined();
    const read = await routeBackendFor(undecided, none).read();
    expect(read.problems?.[0]?.message).toContain(
      'not found, and neither is HTTPRoute bookinfo/reviews: switchyard works on your own VirtualService or HTTPRoute',
    );
    // A kind the spec names is kept as is.
    expect((await decideRouteBackendKind(specFor(), none)).target.kind).toBe('HTTPRoute');
  });
});

/**
 * The VirtualService backend through the RouteBackend interface only: what the engine can
 * ask of any backend, answered for a VirtualService over DestinationRule subsets.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrentEditError, PreflightError } from '../../errors.js';
import type { ProxyScope } from '../../gates/sync-gate.js';
import type { DestinationRule, VirtualService } from '../../istio/types.js';
import type { Service } from '../../kube/kube-types.js';
import { REQUIRED_PERMISSIONS } from '../../kube/required-permissions.js';
import { bookinfo, FakeCluster } from '../../release/__fixtures__/fake-cluster.js';
import { resolveReleaseSpec } from '../../spec/resolve-release-spec.js';
import type { ReleaseSpecOverrides } from '../../spec/release-spec.js';
import type { LoadedRouting, RouteBackend } from '../route-backend.js';
import { routeBackendFor, ROUTE_BACKEND_KINDS } from '../route-backends.js';
import { applyRouteEdit } from '../route-edit.js';
import { VIRTUAL_SERVICE_BACKEND } from './virtual-service-backend.js';

function setup(overrides: ReleaseSpecOverrides = {}) {
  const cluster = new FakeCluster(bookinfo());
  const spec = resolveReleaseSpec(
    undefined,
    { service: 'reviews', ...overrides },
    { defaultNamespace: 'bookinfo' },
  );
  const backend: RouteBackend = routeBackendFor(spec, cluster);
  const service = cluster.peek<Service>('Service', 'bookinfo', 'reviews');
  const vs = () => cluster.peek<VirtualService>('VirtualService', 'bookinfo', 'reviews');
  return { cluster, spec, backend, service, vs };
}

async function loaded(backend: RouteBackend): Promise<LoadedRouting> {
  const read = await backend.read();
  if (!read.loaded) throw new Error('expected the objects to be found');
  return read.loaded;
}

const headers = { 'x-release': { exact: 'candidate' } };

describe('the VirtualService route backend', () => {
  it('is the backend a spec naming a VirtualService gets, named for events and errors', () => {
    const { backend } = setup();
    expect(backend.ref).toEqual({ kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' });
    expect(ROUTE_BACKEND_KINDS.map((kind) => kind.kind)).toEqual(['VirtualService', 'HTTPRoute']);
  });

  it('reads the VirtualService and its DestinationRule, or names every missing one', async () => {
    const { backend, cluster } = setup();
    const read = await loaded(backend);
    expect(read.object).toMatchObject({ kind: 'VirtualService', metadata: { name: 'reviews' } });
    cluster.objects.delete(cluster.key('VirtualService', 'bookinfo', 'reviews'));
    cluster.objects.delete(cluster.key('DestinationRule', 'bookinfo', 'reviews'));
    const missing = await backend.read();
    expect(missing.loaded).toBeUndefined();
    expect(missing.problems).toEqual([
      {
        object: { kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' },
        message:
          'not found, and neither is HTTPRoute bookinfo/reviews: switchyard works on your own VirtualService or HTTPRoute (target.kind); create the one that routes reviews',
      },
      {
        object: { kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews' },
        message:
          'not found; create a DestinationRule for the service (switchyard adds the slot subsets)',
      },
    ]);
    // The engine turns them into one PreflightError naming both.
    expect(new PreflightError(missing.problems ?? []).message).toContain(
      'DestinationRule bookinfo/reviews: not found',
    );
  });

  it('sets and reads slot weights, changing nothing else, without touching its input', async () => {
    const { backend } = setup();
    const { object } = await loaded(backend);
    const before = structuredClone(object);
    const after = backend.setWeights(object, { blue: 80, green: 20 });
    expect(object).toEqual(before);
    expect(backend.readWeights(after)).toEqual({ blue: 80, green: 20 });
    const route = (after as VirtualService).spec.http?.[0];
    expect(route).toEqual({
      name: 'primary',
      route: [
        { destination: { host: 'reviews', subset: 'blue' }, weight: 80 },
        { destination: { host: 'reviews', subset: 'green' }, weight: 20 },
      ],
      retries: { attempts: 2 },
    });
  });

  it('adds the header route above the managed route and removes it to the byte', async () => {
    const { backend } = setup();
    const { object } = await loaded(backend);
    const withHeader = backend.setHeaderRoute(object, { slot: 'green', headers });
    const http = (withHeader as VirtualService).spec.http ?? [];
    expect(http.map((r) => r.name)).toEqual(['switchyard-reviews-prerelease', 'primary']);
    expect(http[0]?.route).toEqual([
      { destination: { host: 'reviews', subset: 'green' }, weight: 100 },
    ]);
    expect(backend.removeHeaderRoute(withHeader)).toEqual(object);
  });

  it('mirrors to a slot and removes its own mirror again', async () => {
    const { backend } = setup();
    const { object } = await loaded(backend);
    const mirrored = backend.setMirror(object, { slot: 'green', percentage: 10 });
    expect((mirrored as VirtualService).spec.http?.[0]).toMatchObject({
      mirror: { host: 'reviews', subset: 'green' },
      mirrorPercentage: { value: 10 },
    });
    expect(backend.removeMirror(mirrored)).toEqual(object);
  });

  it('plans one pinned patch whose managed-route pins stop a write after someone moved the weights', async () => {
    const { backend, cluster, vs } = setup();
    const { object } = await loaded(backend);
    expect(backend.planWrite(object, object, { pinManagedRoutes: true })).toBeUndefined();
    const after = applyRouteEdit(backend, object, { weights: { blue: 50, green: 50 } });
    const pinned = backend.planWrite(object, after, { pinManagedRoutes: true });
    const unpinned = backend.planWrite(object, after, { pinManagedRoutes: false });
    expect(pinned?.description).toMatch(/^VirtualService bookinfo\/reviews/);
    expect(pinned?.patch[0]).toEqual({
      op: 'test',
      path: '/spec/http/0/route',
      value: (object as VirtualService).spec.http?.[0]?.route,
    });
    expect(pinned?.patch.length).toBe((unpinned?.patch.length ?? 0) + 1);

    // Someone moves the weights by hand: the pinned write fails and changes nothing.
    const moved = backend.setWeights(vs(), { blue: 90, green: 10 });
    cluster.put(moved);
    await expect(backend.patch(pinned?.patch ?? [])).rejects.toBeInstanceOf(ConcurrentEditError);
    expect(backend.readWeights(vs())).toEqual({ blue: 90, green: 10 });
  });

  it('writes through one JSON Patch, and only validates it on a dry run', async () => {
    const { backend, vs } = setup();
    const { object } = await loaded(backend);
    const write = backend.planWrite(object, backend.setWeights(object, { blue: 0, green: 100 }), {
      pinManagedRoutes: true,
    });
    await backend.patch(write?.patch ?? [], { dryRun: 'All' });
    expect(backend.readWeights(vs())).toEqual({ blue: 100, green: 0 });
    const written = await backend.patch(write?.patch ?? []);
    expect(backend.readWeights(written)).toEqual({ blue: 0, green: 100 });
    expect(await backend.get()).toEqual(vs());
  });

  it('adds the missing slot subset to the DestinationRule, gated as one change', async () => {
    const { backend, cluster, service } = setup();
    const destinations = backend.slotDestinations(await loaded(backend), service);
    expect(destinations?.what).toBe('DestinationRule slot subsets');
    expect(destinations?.changes.map((c) => c.object)).toEqual([
      { kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews' },
    ]);
    const dr = () => cluster.peek<DestinationRule>('DestinationRule', 'bookinfo', 'reviews');
    for (const change of destinations?.changes ?? []) await change.write({ dryRun: 'All' });
    expect(dr().spec.subsets?.map((s) => s.name)).toEqual(['blue']);
    for (const change of destinations?.changes ?? []) await change.write({});
    expect(dr().spec.subsets).toEqual([
      { name: 'blue', labels: { version: 'blue' } },
      { name: 'green', labels: { app: 'reviews', version: 'green' } },
    ]);
    expect(backend.slotDestinations(await loaded(backend), service)).toBeUndefined();
  });

  it('is gated on the proxies sync.scope names', async () => {
    const { backend } = setup({
      sync: { scope: { namespaces: ['bookinfo'], selector: 'app=productpage' } },
    });
    const scope: ProxyScope = backend.proxyScope((await loaded(backend)).object);
    expect(scope).toEqual({ sets: [{ namespaces: ['bookinfo'], selector: 'app=productpage' }] });
  });

  it('expects the recorded split and header route on the slot subsets in Envoy', async () => {
    const { backend, service } = setup({ target: { routes: ['primary'] } });
    const { object } = await loaded(backend);
    const routed = backend.setHeaderRoute(backend.setWeights(object, { blue: 70, green: 30 }), {
      slot: 'green',
      headers,
    });
    expect(
      backend.dataplaneExpectation(
        routed,
        { weights: { blue: 70, green: 30 }, headerRouteTo: 'green' },
        service,
      ),
    ).toEqual({
      host: 'reviews.bookinfo.svc.cluster.local',
      port: 9080,
      weights: { blue: 70, green: 30 },
      routeName: 'primary',
      headerRoute: { name: 'switchyard-reviews-prerelease', present: true, destination: 'green' },
    });
    expect(
      backend.dataplaneExpectation(
        object,
        { weights: { blue: 100, green: 0 }, headerRouteTo: undefined },
        service,
      ).headerRoute,
    ).toEqual({ name: 'switchyard-reviews-prerelease', present: false, subset: undefined });
  });

  it("names the managed route in the expectation even when the spec does not, past a user's route above it", async () => {
    const { backend, cluster, service, vs } = setup();
    const current = vs();
    const userLegacy = {
      name: 'user-legacy',
      match: [{ uri: { prefix: '/legacy' } }],
      route: [{ destination: { host: 'reviews', subset: 'blue' } }],
    };
    cluster.put({
      ...current,
      spec: { ...current.spec, http: [userLegacy, ...(current.spec.http ?? [])] },
    });
    const { object } = await loaded(backend);
    expect(
      backend.dataplaneExpectation(
        object,
        { weights: { blue: 100, green: 0 }, headerRouteTo: undefined },
        service,
      ).routeName,
    ).toBe('primary');
  });

  it('declares the RBAC rows of its reads and patches, which REQUIRED_PERMISSIONS carries', () => {
    expect(VIRTUAL_SERVICE_BACKEND.permissions.map((p) => p.resource)).toEqual([
      'virtualservices',
      'destinationrules',
    ]);
    for (const permission of VIRTUAL_SERVICE_BACKEND.permissions)
      expect(REQUIRED_PERMISSIONS).toContainEqual(permission);
  });
});

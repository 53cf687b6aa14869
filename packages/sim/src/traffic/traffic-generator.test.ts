import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnvoyRoute, ProxyConfigSnapshot } from '../mesh/mesh-types.js';
import { IstioMetrics, type IstioRequestSeries } from '../metrics/istio-metrics.js';
import type { IstioRequestLabels } from '../metrics/istio-request-labels.js';
import type { Behaviour, ClientSpec } from '../scenario/scenario-schema.js';
import type { KubeObject, ObjectStore } from '../store/object-store.js';
import {
  addPod,
  addService,
  cluster,
  clusterName,
  createTestStore,
  endpointOf,
  FakeMesh,
  podsType,
  routeConfig,
  serviceVirtualHost,
  setEndpoints,
  setPodReady,
  snapshot,
  weightedRoute,
} from './__fixtures__/fake-mesh.js';
import { seededRandom } from './seeded-random.js';
import { TrafficGenerator } from './traffic-generator.js';

const FQDN = 'reviews.bookinfo.svc.cluster.local';
const BLUE = clusterName(FQDN, 9080, 'blue');
const GREEN = clusterName(FQDN, 9080, 'green');

const healthy: Behaviour = {
  errorRate: 0,
  errorStatus: 500,
  latency: { medianMs: 20, p99Ms: 80 },
  ready: true,
};

const client: ClientSpec = {
  name: 'productpage',
  namespace: 'bookinfo',
  replicas: 2,
  rps: 200,
  target: { host: 'reviews', port: 9080, path: '/reviews/1' },
  headers: {},
};

interface World {
  store: ObjectStore;
  mesh: FakeMesh;
  metrics: IstioMetrics;
  behaviours: Map<string, Behaviour>;
  clients: KubeObject[];
  blue: KubeObject[];
  green: KubeObject[];
  generator: TrafficGenerator;
}

function reviewsRoutes(routes: EnvoyRoute[]): ProxyConfigSnapshot['routes'] {
  return [routeConfig(9080, [serviceVirtualHost('reviews', 'bookinfo', 9080, routes)])];
}

function split(
  world: World,
  blueWeight: number,
  greenWeight: number,
  version = 'v',
): ProxyConfigSnapshot {
  return snapshot(
    version,
    reviewsRoutes([
      weightedRoute('primary', [
        { name: BLUE, weight: blueWeight },
        { name: GREEN, weight: greenWeight },
      ]),
    ]),
    [
      cluster(FQDN, 9080, 'blue', world.blue.map(endpointOf)),
      cluster(FQDN, 9080, 'green', world.green.map(endpointOf)),
    ],
  );
}

function createWorld(seed = 1, clients: ClientSpec[] = [client]): World {
  const store = createTestStore(['bookinfo']);
  const mesh = new FakeMesh();
  const metrics = new IstioMetrics();
  const behaviours = new Map<string, Behaviour>([
    ['reviews:1.0', healthy],
    ['reviews:2.0', healthy],
  ]);
  const clientPods = ['aaaaa', 'bbbbb'].map((suffix, i) =>
    addPod(store, {
      namespace: 'bookinfo',
      deployment: 'productpage',
      suffix,
      ip: `10.1.0.${i + 1}`,
      image: 'productpage:1.0',
      labels: { app: 'productpage', version: 'v1' },
      serviceAccount: 'bookinfo-productpage',
    }),
  );
  const blue = ['b1', 'b2'].map((suffix, i) =>
    addPod(store, {
      namespace: 'bookinfo',
      deployment: 'reviews-blue',
      suffix,
      hash: '6c8d7f9b5',
      ip: `10.2.0.${i + 1}`,
      image: 'reviews:1.0',
      labels: { app: 'reviews', version: 'blue' },
    }),
  );
  const green = ['g1'].map((suffix, i) =>
    addPod(store, {
      namespace: 'bookinfo',
      deployment: 'reviews-green',
      suffix,
      ip: `10.3.0.${i + 1}`,
      image: 'reviews:2.0',
      labels: { app: 'reviews', version: 'green' },
    }),
  );
  for (const pod of [...clientPods, ...blue, ...green]) mesh.addProxy(pod);
  addService(store, 'bookinfo', 'reviews');
  const generator = new TrafficGenerator({
    store,
    mesh,
    metrics,
    clients,
    behaviourOf: (image) => behaviours.get(image) ?? healthy,
    random: seededRandom(seed),
  });
  return { store, mesh, metrics, behaviours, clients: clientPods, blue, green, generator };
}

/** Sum of requests over series whose labels match `where`. */
function requests(metrics: IstioMetrics, where: Partial<IstioRequestLabels>): number {
  return matching(metrics, where).reduce((n, s) => n + s.requests, 0);
}

function matching(metrics: IstioMetrics, where: Partial<IstioRequestLabels>): IstioRequestSeries[] {
  return metrics
    .series()
    .filter((s) =>
      Object.entries(where).every(([k, v]) => s.labels[k as keyof IstioRequestLabels] === v),
    );
}

/** Runs simulated seconds in 100 ms steps; stopping completes the requests in flight. */
function run(world: World, seconds: number): void {
  for (let i = 0; i < seconds * 10; i++) world.generator.step(100);
  world.generator.stop();
}

let world: World;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => {
  world.generator.close();
});

describe('TrafficGenerator', () => {
  it('sends each client rate from its pods through the applied weights', () => {
    world.mesh.applyAll(split(world, 90, 10));
    run(world, 10);
    const [stats] = world.generator.stats();
    expect(stats).toMatchObject({ name: 'productpage', sent: 2000, completed: 2000 });
    expect(stats!.byCode).toEqual({ '200': 2000 });
    const green = requests(world.metrics, {
      reporter: 'destination',
      destination_workload: 'reviews-green',
    });
    const total = requests(world.metrics, { reporter: 'destination' });
    expect(total).toBe(2000);
    expect(green / total).toBeGreaterThan(0.08);
    expect(green / total).toBeLessThan(0.12);
    expect(stats!.byDestination['reviews-green']).toBe(green);
    // Both client pods sent: the source reporter saw the same 2000.
    expect(requests(world.metrics, { reporter: 'source', source_workload: 'productpage' })).toBe(
      2000,
    );
  });

  it("answers 431 itself (DPE) when a request's headers exceed the proxy's max_request_headers_kb", () => {
    world.generator.close();
    const token = 'x'.repeat(5000);
    world = createWorld(1, [{ ...client, headers: { 'x-token': token } }]);
    world.mesh.applyAll(split(world, 100, 0));
    const [podA] = world.clients;
    world.mesh.limitHeaders(`${podA!.metadata.name}.bookinfo`, 4);
    run(world, 5);
    // Pod A's Envoy refuses its requests; pod B's (default 60 KiB) passes them on.
    expect(
      requests(world.metrics, { reporter: 'source', response_code: '431', response_flags: 'DPE' }),
    ).toBe(500);
    expect(requests(world.metrics, { reporter: 'destination' })).toBe(500);
    expect(world.generator.stats()[0]!.byCode).toEqual({ '200': 500, '431': 500 });
  });

  it('follows what each proxy applied: a stale proxy keeps the old weights', () => {
    const [podA, podB] = world.clients;
    world.mesh.applyAll(split(world, 100, 0, 'v1'));
    world.mesh.apply(`${podB!.metadata.name}.bookinfo`, split(world, 0, 100, 'v2'));
    run(world, 5);
    const fromA = requests(world.metrics, {
      reporter: 'source',
      destination_workload: 'reviews-green',
    });
    // Pod B (new weights) sends half of the traffic, all of it to green; pod A none.
    expect(fromA).toBe(500);
    world.mesh.apply(`${podA!.metadata.name}.bookinfo`, split(world, 0, 100, 'v2'));
    run(world, 5);
    expect(
      requests(world.metrics, { reporter: 'destination', destination_workload: 'reviews-green' }),
    ).toBe(1500);
  });

  it('answers with the image behaviour: error rate and error status', () => {
    world.behaviours.set('reviews:2.0', { ...healthy, errorRate: 0.2, errorStatus: 500 });
    world.mesh.applyAll(split(world, 0, 100));
    run(world, 10);
    const errors = requests(world.metrics, { reporter: 'destination', response_code: '500' });
    const all = requests(world.metrics, { reporter: 'destination' });
    expect(errors / all).toBeGreaterThan(0.17);
    expect(errors / all).toBeLessThan(0.23);
    // 500 is not retriable by Istio's default policy: the source sees the same errors.
    expect(requests(world.metrics, { reporter: 'source', response_code: '500' })).toBe(errors);
  });

  it('records labels as Istio does for a successful request', () => {
    world.mesh.applyAll(split(world, 0, 100));
    run(world, 1);
    const [destination] = matching(world.metrics, { reporter: 'destination' });
    expect(destination!.labels).toMatchObject({
      source_workload: 'productpage',
      source_principal: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage',
      source_version: 'v1',
      destination_workload: 'reviews-green',
      destination_version: 'green',
      destination_service: FQDN,
      destination_service_name: 'reviews',
      destination_service_namespace: 'bookinfo',
      destination_principal: 'spiffe://cluster.local/ns/bookinfo/sa/default',
      response_code: '200',
      response_flags: '-',
      connection_security_policy: 'mutual_tls',
    });
    const [source] = matching(world.metrics, { reporter: 'source' });
    expect(source!.labels).toMatchObject({
      destination_workload: 'reviews-green',
      destination_app: 'reviews',
      destination_version: 'green',
      connection_security_policy: 'unknown',
      destination_cluster: 'Kubernetes',
    });
  });

  it('reports mirrored requests by the destination only', () => {
    world.mesh.applyAll(
      snapshot(
        'v',
        reviewsRoutes([
          {
            name: 'primary',
            match: { prefix: '/' },
            route: { cluster: BLUE, timeout: '0s', request_mirror_policies: [{ cluster: GREEN }] },
          },
        ]),
        [
          cluster(FQDN, 9080, 'blue', world.blue.map(endpointOf)),
          cluster(FQDN, 9080, 'green', world.green.map(endpointOf)),
        ],
      ),
    );
    run(world, 2);
    expect(
      requests(world.metrics, { reporter: 'destination', destination_workload: 'reviews-green' }),
    ).toBe(400);
    expect(
      requests(world.metrics, { reporter: 'destination', destination_workload: 'reviews-blue' }),
    ).toBe(400);
    expect(requests(world.metrics, { reporter: 'source' })).toBe(400);
    expect(
      requests(world.metrics, { reporter: 'source', destination_workload: 'reviews-green' }),
    ).toBe(0);
    expect(world.generator.stats()[0]!.byDestination).toEqual({ 'reviews-blue': 400 });
  });

  it('retries a connection to a deleted pod on another endpoint, then fails with UF,URX', () => {
    world.mesh.applyAll(split(world, 100, 0));
    const [gone, alive] = world.blue;
    world.store.delete(podsType(world.store), 'bookinfo', gone!.metadata.name);
    run(world, 5);
    // The stale endpoint costs a retry, rarely an error: a request fails only when all
    // three attempts pick the dead pod, each retry after five selections, 1/2 x (1/32)^2.
    const stats = world.generator.stats()[0]!;
    expect(stats.byCode['200']).toBeGreaterThanOrEqual(995);
    const unlucky = stats.byCode['503'] ?? 0;
    expect(stats.byResponseFlags).toEqual({
      '-': 1000 - unlucky,
      ...(unlucky ? { 'UF,URX': unlucky } : {}),
    });
    expect(requests(world.metrics, { reporter: 'source', response_code: '503' })).toBe(unlucky);
    expect(requests(world.metrics, { reporter: 'destination' })).toBe(1000 - unlucky);

    world.store.delete(podsType(world.store), 'bookinfo', alive!.metadata.name);
    run(world, 5);
    expect(world.generator.stats()[0]!.byCode['503']).toBe(1000 + unlucky);
    const failures = matching(world.metrics, { reporter: 'source', response_code: '503' });
    expect(failures.map((s) => s.labels.response_flags)).toEqual(['UF,URX']);
    // Envoy falls back to the EDS metadata of the host it tried: workload but no version.
    expect(failures[0]!.labels).toMatchObject({
      destination_workload: 'reviews-blue',
      destination_version: 'unknown',
      destination_service: FQDN,
      source_principal: 'unknown',
    });
    // Nothing reached a pod, so the destination reporter saw nothing more.
    expect(requests(world.metrics, { reporter: 'destination' })).toBe(1000 - unlucky);
  });

  it('fails connections to pods that are no longer ready', () => {
    world.mesh.applyAll(split(world, 0, 100));
    setPodReady(world.store, 'bookinfo', world.green[0]!.metadata.name, false);
    run(world, 1);
    expect(world.generator.stats()[0]!.byResponseFlags).toEqual({ 'UF,URX': 200 });
  });

  it('retries an upstream 503 twice: three destination reports, one source report with URX', () => {
    world.behaviours.set('reviews:2.0', { ...healthy, errorRate: 1, errorStatus: 503 });
    world.mesh.applyAll(split(world, 0, 100));
    run(world, 1);
    expect(requests(world.metrics, { reporter: 'destination', response_code: '503' })).toBe(600);
    expect(matching(world.metrics, { reporter: 'source' }).map((s) => s.labels)).toEqual([
      expect.objectContaining({ response_code: '503', response_flags: 'URX' }),
    ]);
    expect(requests(world.metrics, { reporter: 'source' })).toBe(200);
  });

  it('records 503 UH and 503 NC at the source only', () => {
    world.green = [];
    world.mesh.applyAll(split(world, 0, 100));
    run(world, 1);
    const uh = matching(world.metrics, { reporter: 'source' });
    expect(uh.map((s) => [s.labels.response_code, s.labels.response_flags, s.requests])).toEqual([
      ['503', 'UH', 200],
    ]);
    expect(uh[0]!.labels).toMatchObject({
      destination_service: FQDN,
      destination_workload: 'unknown',
      // From the cluster's service metadata (istio_stats), not from a peer.
      destination_service_namespace: 'bookinfo',
    });

    world.mesh.applyAll(
      snapshot('v', reviewsRoutes([weightedRoute('primary', [{ name: GREEN, weight: 100 }])]), []),
    );
    run(world, 1);
    const [nc] = matching(world.metrics, { reporter: 'source', response_flags: 'NC' });
    expect(nc).toMatchObject({ requests: 200 });
    // No cluster: Istio falls back to the Host header the client sent.
    expect(nc!.labels.destination_service).toBe('reviews:9080');
    expect(requests(world.metrics, { reporter: 'destination' })).toBe(0);
  });

  it('speaks gRPC for a gRPC client: HTTP 200 with grpc-status, counted as request_protocol grpc', () => {
    const grpcClient: ClientSpec = {
      ...client,
      protocol: 'grpc',
      target: { ...client.target, path: '/reviews.Reviews/Get' },
    };
    world.generator.setClients([grpcClient]);
    // A failing call carries UNKNOWN (2): not retried by Istio's default policy.
    world.behaviours.set('reviews:2.0', { ...healthy, errorRate: 1, grpcErrorRate: 0.3 });
    world.mesh.applyAll(split(world, 0, 100));
    run(world, 10);
    const destination = matching(world.metrics, { reporter: 'destination' });
    expect(new Set(destination.map((d) => d.labels.request_protocol))).toEqual(new Set(['grpc']));
    // The HTTP error rate does not apply to gRPC calls: every response is HTTP 200.
    expect(new Set(destination.map((d) => d.labels.response_code))).toEqual(new Set(['200']));
    const failed = requests(world.metrics, { reporter: 'destination', grpc_response_status: '2' });
    const ok = requests(world.metrics, { reporter: 'destination', grpc_response_status: '0' });
    expect(failed + ok).toBe(2000);
    expect(failed / 2000).toBeGreaterThan(0.26);
    expect(failed / 2000).toBeLessThan(0.34);
    expect(requests(world.metrics, { reporter: 'source', grpc_response_status: '2' })).toBe(failed);
    const [stats] = world.generator.stats();
    expect(stats!.byCode).toEqual({ '200': 2000 });
    expect(stats!.byGrpcStatus).toEqual({ '0': ok, '2': failed });
  });

  it("retries a gRPC UNAVAILABLE as Istio's default policy says; HTTP clients stay http", () => {
    world.generator.setClients([
      { ...client, protocol: 'grpc' },
      { ...client, name: 'plain' },
    ]);
    world.mesh.addProxy(
      addPod(world.store, {
        namespace: 'bookinfo',
        deployment: 'plain',
        suffix: 'ppppp',
        ip: '10.1.0.9',
        image: 'plain:1.0',
        labels: { app: 'plain' },
      }),
    );
    world.behaviours.set('reviews:2.0', { ...healthy, grpcErrorRate: 1, grpcErrorStatus: 14 });
    world.mesh.applyAll(split(world, 0, 100));
    run(world, 1);
    // Three attempts per call (two retries on `unavailable`), then URX with the last answer.
    expect(
      requests(world.metrics, {
        reporter: 'destination',
        source_workload: 'productpage',
        grpc_response_status: '14',
      }),
    ).toBe(600);
    expect(
      matching(world.metrics, { reporter: 'source', source_workload: 'productpage' }).map(
        (s) => s.labels,
      ),
    ).toEqual([
      expect.objectContaining({
        request_protocol: 'grpc',
        response_code: '200',
        grpc_response_status: '14',
        response_flags: 'URX',
      }),
    ]);
    expect(matching(world.metrics, { source_workload: 'plain' }).map((s) => s.labels)).toEqual([
      expect.objectContaining({
        request_protocol: 'http',
        response_code: '200',
        grpc_response_status: '',
      }),
      expect.objectContaining({
        request_protocol: 'http',
        response_code: '200',
        grpc_response_status: '',
      }),
    ]);
  });

  it('answers a gRPC call Envoy cannot route upstream with a trailers-only reply: 200, UNAVAILABLE', () => {
    world.generator.setClients([{ ...client, protocol: 'grpc' }]);
    world.green = [];
    world.mesh.applyAll(split(world, 0, 100));
    run(world, 1);
    expect(matching(world.metrics, { reporter: 'source' }).map((s) => s.labels)).toEqual([
      expect.objectContaining({
        request_protocol: 'grpc',
        response_code: '200',
        grpc_response_status: '14',
        response_flags: 'UH',
      }),
    ]);
    expect(world.generator.stats()[0]!.byGrpcStatus).toEqual({ '14': 200 });
  });

  it('records 404 NR when no virtual host matches', () => {
    addService(world.store, 'bookinfo', 'ratings');
    world.generator.setClients([{ ...client, target: { ...client.target, host: 'ratings' } }]);
    world.mesh.applyAll(split(world, 100, 0));
    run(world, 1);
    expect(world.generator.stats()[0]!.byCode).toEqual({ '404': 200 });
    expect(matching(world.metrics, { reporter: 'source' })[0]!.labels).toMatchObject({
      response_flags: 'NR',
      destination_service: 'ratings:9080',
    });
  });

  it('sends nothing anywhere when the host does not resolve', () => {
    world.generator.setClients([{ ...client, target: { ...client.target, host: 'nosuch' } }]);
    world.mesh.applyAll(split(world, 100, 0));
    run(world, 1);
    expect(world.generator.stats()[0]).toMatchObject({ sent: 200, byCode: { '0': 200 } });
    expect(world.metrics.seriesCount).toBe(0);
  });

  it('forwards allow_any traffic through PassthroughCluster to a Service endpoint', () => {
    const details = addPod(world.store, {
      namespace: 'bookinfo',
      deployment: 'details',
      suffix: 'd1',
      ip: '10.4.0.1',
      image: 'details:1.0',
      labels: { app: 'details', version: 'v1' },
    });
    world.mesh.addProxy(details);
    addService(world.store, 'bookinfo', 'details');
    const withAllowAny = (): ProxyConfigSnapshot => {
      const base = split(world, 100, 0);
      const config = base.routes[0]!;
      const allowAny = {
        name: 'allow_any',
        domains: ['*'],
        routes: [
          {
            name: 'allow_any',
            match: { prefix: '/' },
            route: { cluster: 'PassthroughCluster', timeout: '0s' },
          },
        ],
      };
      return {
        ...base,
        routes: [{ ...config, virtual_hosts: [...config.virtual_hosts, allowAny] }],
      };
    };
    world.mesh.applyAll(withAllowAny());
    world.generator.setClients([{ ...client, target: { ...client.target, host: 'details' } }]);

    // No ready endpoints yet: kube-proxy refuses, Envoy answers 503 UF without retrying.
    run(world, 1);
    expect(world.generator.stats()[0]!.byResponseFlags).toEqual({ UF: 200 });

    setEndpoints(world.store, 'bookinfo', 'details', [details]);
    run(world, 1);
    expect(world.generator.stats()[0]!.byDestination.details).toBe(200);
    const [source] = matching(world.metrics, { reporter: 'source', response_code: '200' });
    expect(source!.labels).toMatchObject({
      destination_service: 'details:9080',
      destination_service_name: 'PassthroughCluster',
      destination_workload: 'details',
      source_principal: 'unknown',
    });
    const [destination] = matching(world.metrics, { reporter: 'destination' });
    expect(destination!.labels).toMatchObject({
      destination_workload: 'details',
      destination_service: 'details.bookinfo.svc.cluster.local',
      source_workload: 'productpage',
      connection_security_policy: 'none',
    });
    expect(destination!.requests).toBe(200);
  });

  it('refuses connections while the client sidecar has no config, recording no metrics', () => {
    run(world, 1);
    expect(world.generator.stats()[0]!).toMatchObject({ sent: 200, byCode: { '0': 200 } });
    expect(world.metrics.seriesCount).toBe(0);
  });

  it('sends nothing without ready pods with a sidecar', () => {
    world.mesh.applyAll(split(world, 100, 0));
    for (const pod of world.clients) setPodReady(world.store, 'bookinfo', pod.metadata.name, false);
    run(world, 1);
    expect(world.generator.stats()[0]).toMatchObject({ intended: 0, sent: 0 });
    expect(world.generator.throughput()).toEqual({ intended: 0, generated: 0 });
  });

  it('paces requests exactly and bounds the work of one step', () => {
    world.mesh.applyAll(split(world, 100, 0));
    world.generator.setClients([{ ...client, rps: 2000 }]);
    world.generator.step(1000);
    expect(world.generator.throughput()).toEqual({ intended: 2000, generated: 2000 });
    // A 5 s stall is caught up by at most one second of requests: the lag shows.
    world.generator.step(5000);
    expect(world.generator.throughput()).toEqual({ intended: 12000, generated: 4000 });
  });

  it('records a request when it completes, not when it is sent', () => {
    world.behaviours.set('reviews:1.0', { ...healthy, latency: { medianMs: 3000, p99Ms: 3000 } });
    world.mesh.applyAll(split(world, 100, 0));
    world.generator.step(100);
    expect(world.generator.stats()[0]).toMatchObject({ sent: 20, completed: 0 });
    expect(world.metrics.seriesCount).toBe(0);
    world.generator.step(3000);
    expect(world.generator.stats()[0]).toMatchObject({ completed: 20 });
    const [series] = matching(world.metrics, { reporter: 'destination' });
    expect(series!.durationSumMs).toBe(20 * 3000);
  });

  it('samples latency from the log-normal given by median and p99', () => {
    world.mesh.applyAll(split(world, 100, 0));
    world.generator.setClients([{ ...client, rps: 1000 }]);
    run(world, 5);
    const [series] = matching(world.metrics, { reporter: 'destination' });
    const le25 = series!.cumulativeBuckets[4]!;
    // P(X < 26 ms) for median 20, p99 80 (durations are whole milliseconds): 0.670.
    expect(le25 / series!.requests).toBeGreaterThan(0.64);
    expect(le25 / series!.requests).toBeLessThan(0.7);
  });

  it('keeps counters of clients that stay when clients change', () => {
    world.mesh.applyAll(split(world, 100, 0));
    run(world, 1);
    world.generator.setClients([{ ...client, rps: 100 }]);
    run(world, 1);
    expect(world.generator.stats()[0]).toMatchObject({ sent: 300 });
    world.generator.setClients([]);
    run(world, 1);
    expect(world.generator.stats()).toEqual([]);
  });

  it('sends on its own timer between start and stop', async () => {
    world.mesh.applyAll(split(world, 100, 0));
    world.generator.start();
    expect(world.generator.running).toBe(true);
    await waitFor(() => world.generator.stats()[0]!.completed >= 50, 10_000);
    world.generator.stop();
    const after = world.generator.stats()[0]!;
    expect(after.completed).toBe(after.sent);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(world.generator.stats()[0]!.sent).toBe(after.sent);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Istio metrics end to end: a TrafficGenerator over a hand-driven MeshView feeds a
 * MetricsServer that a real Prometheus scrapes every second. PromQL must see traffic move
 * when the applied weights move, and must measure a bad image's error ratio.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyConfigSnapshot } from '../../packages/sim/src/mesh/mesh-types.js';
import { IstioMetrics } from '../../packages/sim/src/metrics/istio-metrics.js';
import { MetricsServer } from '../../packages/sim/src/metrics/metrics-server.js';
import {
  startPrometheus,
  type PrometheusInstance,
} from '../../packages/sim/src/prometheus/prometheus-process.js';
import type { Behaviour } from '../../packages/sim/src/scenario/scenario-schema.js';
import type { KubeObject } from '../../packages/sim/src/store/object-store.js';
import {
  addPod,
  addService,
  cluster,
  clusterName,
  createTestStore,
  endpointOf,
  FakeMesh,
  routeConfig,
  serviceVirtualHost,
  snapshot,
  weightedRoute,
} from '../../packages/sim/src/traffic/__fixtures__/fake-mesh.js';
import { TrafficGenerator } from '../../packages/sim/src/traffic/traffic-generator.js';

const FQDN = 'reviews.bookinfo.svc.cluster.local';
const ERROR_RATE = 0.2;
const healthy: Behaviour = {
  errorRate: 0,
  errorStatus: 500,
  latency: { medianMs: 10, p99Ms: 50 },
  ready: true,
};
const faulty: Behaviour = { ...healthy, errorRate: ERROR_RATE, errorStatus: 503 };

let mesh: FakeMesh;
let generator: TrafficGenerator;
let server: MetricsServer;
let prometheus: PrometheusInstance;
let blue: KubeObject[];
let green: KubeObject[];

beforeAll(async () => {
  const store = createTestStore(['bookinfo']);
  mesh = new FakeMesh();
  const metrics = new IstioMetrics();
  const clients = ['c1', 'c2'].map((suffix, i) =>
    addPod(store, {
      namespace: 'bookinfo',
      deployment: 'productpage',
      suffix,
      ip: `10.1.0.${i + 1}`,
      image: 'productpage:1.0',
      labels: { app: 'productpage', version: 'v1' },
    }),
  );
  blue = ['b1', 'b2'].map((suffix, i) =>
    addPod(store, {
      namespace: 'bookinfo',
      deployment: 'reviews-blue',
      hash: '6c8d7f9b5',
      suffix,
      ip: `10.2.0.${i + 1}`,
      image: 'reviews:1.0',
      labels: { app: 'reviews', version: 'v1' },
    }),
  );
  green = ['g1', 'g2'].map((suffix, i) =>
    addPod(store, {
      namespace: 'bookinfo',
      deployment: 'reviews-green',
      hash: '7f9b56c8d',
      suffix,
      ip: `10.3.0.${i + 1}`,
      image: 'reviews:2.0',
      labels: { app: 'reviews', version: 'v2' },
    }),
  );
  for (const pod of [...clients, ...blue, ...green]) mesh.addProxy(pod);
  addService(store, 'bookinfo', 'reviews');
  mesh.applyAll(weights(100, 0));

  generator = new TrafficGenerator({
    store,
    mesh,
    metrics,
    clients: [
      {
        name: 'productpage',
        namespace: 'bookinfo',
        replicas: 2,
        rps: 400,
        target: { host: 'reviews', port: 9080, path: '/reviews/1' },
        headers: {},
      },
    ],
    behaviourOf: (image) => (image === 'reviews:2.0' ? faulty : healthy),
  });
  server = new MetricsServer({ sources: [metrics] });
  await server.start();
  prometheus = await startPrometheus({ targets: [server.target], scrapeIntervalSeconds: 1 });
  generator.start();
});

afterAll(async () => {
  generator?.close();
  await prometheus?.stop();
  await server?.stop();
});

function weights(blueWeight: number, greenWeight: number): ProxyConfigSnapshot {
  return snapshot(
    `2026-11-02T10:00:00Z/${blueWeight}-${greenWeight}`,
    [
      routeConfig(9080, [
        serviceVirtualHost('reviews', 'bookinfo', 9080, [
          weightedRoute('primary', [
            { name: clusterName(FQDN, 9080, 'blue'), weight: blueWeight },
            { name: clusterName(FQDN, 9080, 'green'), weight: greenWeight },
          ]),
        ]),
      ]),
    ],
    [
      cluster(FQDN, 9080, 'blue', blue.map(endpointOf)),
      cluster(FQDN, 9080, 'green', green.map(endpointOf)),
    ],
  );
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<VectorSample[]> {
  const response = await fetch(
    `${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`,
  );
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data: { resultType: string; result: VectorSample[] };
  };
  if (body.status !== 'success') throw new Error(`query failed: ${body.error ?? 'unknown'}`);
  expect(body.data.resultType).toBe('vector');
  return body.data.result;
}

const BY_VERSION =
  'sum by (destination_version) (rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[10s]))';

/** Share of traffic per destination version, from Prometheus. */
async function versionShares(): Promise<Record<string, number>> {
  const samples = await query(BY_VERSION);
  const rates = Object.fromEntries(
    samples.map((s) => [s.metric.destination_version ?? '', Number(s.value[1])]),
  );
  const total = Object.values(rates).reduce((a, b) => a + b, 0);
  if (total === 0) return {};
  return Object.fromEntries(Object.entries(rates).map(([v, r]) => [v, r / total]));
}

/** Polls until `check` passes; returns the last observation for the assertion message. */
async function eventually<T>(
  observe: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await observe();
  while (!check(last)) {
    if (Date.now() > deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
    last = await observe();
  }
  return last;
}

describe('Istio metrics in a real Prometheus', () => {
  it('follow the weights the proxies applied', async () => {
    const allBlue = await eventually(versionShares, (s) => (s.v1 ?? 0) > 0.99, 30_000);
    expect(allBlue.v1).toBeGreaterThan(0.99);
    expect(allBlue.v2 ?? 0).toBe(0);

    mesh.applyAll(weights(50, 50));
    const half = await eventually(versionShares, (s) => Math.abs((s.v2 ?? 0) - 0.5) < 0.07, 25_000);
    expect(half.v2).toBeGreaterThan(0.43);
    expect(half.v2).toBeLessThan(0.57);

    mesh.applyAll(weights(0, 100));
    const allGreen = await eventually(versionShares, (s) => (s.v2 ?? 0) > 0.99, 25_000);
    expect(allGreen.v2).toBeGreaterThan(0.99);
  });

  it("measures the bad image's 5xx ratio", async () => {
    // Green has taken traffic since the previous test; make sure of it before measuring.
    mesh.applyAll(weights(0, 100));
    const ratioQuery =
      'sum(rate(istio_requests_total{reporter="destination",destination_workload="reviews-green",response_code=~"5.*"}[20s]))' +
      ' / sum(rate(istio_requests_total{reporter="destination",destination_workload="reviews-green"}[20s]))';
    const samples = await eventually(
      () => query(ratioQuery),
      (s) => s.length === 1 && Number.isFinite(Number(s[0]!.value[1])),
      30_000,
    );
    expect(samples).toHaveLength(1);
    const ratio = Number(samples[0]!.value[1]);
    expect(ratio).toBeGreaterThan(ERROR_RATE * 0.8);
    expect(ratio).toBeLessThan(ERROR_RATE * 1.2);

    // The client proxy retries 503s (Istio's default policy), so fewer reach the app.
    const source = await query(
      'sum(rate(istio_requests_total{reporter="source",destination_workload="reviews-green",response_code="503"}[20s]))' +
        ' / sum(rate(istio_requests_total{reporter="source",destination_workload="reviews-green"}[20s]))',
    );
    expect(Number(source[0]!.value[1])).toBeLessThan(ERROR_RATE * 0.2);
  });

  it('serves the duration histogram with Istio buckets', async () => {
    const p50 = await query(
      'histogram_quantile(0.5, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[20s])))',
    );
    // Median latency is 10 ms, which falls in Istio's (5, 10] bucket.
    expect(Number(p50[0]!.value[1])).toBeGreaterThan(5);
    expect(Number(p50[0]!.value[1])).toBeLessThanOrEqual(10);
  });
});

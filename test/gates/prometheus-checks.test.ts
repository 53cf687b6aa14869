/**
 * Metric checks against a real Prometheus (2.42) scraping the simulator's Istio metrics:
 * synthetic clients call reviews through their proxies' applied routes, the candidate
 * (reviews-green) runs an image that fails one request in ten, the stable slot a clean one.
 *
 * What must hold: the built-in success rate reads 90 ± 2 for the candidate and fails a
 * minimum of 99; the clean slot passes; no traffic is inconclusive with a reason; a
 * malformed query is an error quoting Prometheus; a stopped Prometheus is an error.
 */
import {
  fastScenario,
  startSimulatedCluster,
  waitFor,
  type SimulatedCluster,
} from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PrometheusChecks,
  createPrometheusClient,
  KubeClient,
  loadKubeconfig,
  KubePortForwarder,
  type CheckContext,
  type CheckDefinition,
  BUILTIN_CHECK_TYPES,
  type ResolvedPrometheus,
} from '@switchyard/core/internal-testing';
import { startPrometheus } from '../../packages/sim/src/prometheus/prometheus-process.js';

/** An image failing one request in ten. */
const FLAKY_IMAGE = 'registry.example/reviews:flaky-10';
const WINDOW_MS = 30_000;

const successRate: CheckDefinition = {
  name: 'success-rate',
  type: 'success-rate',
  query: BUILTIN_CHECK_TYPES.find((b) => b.type === 'success-rate')!.query,
  min: 99,
  max: undefined,
  unit: '%',
  analysis: 'threshold',
  sequential: undefined,
};

const candidate: CheckContext = {
  service: 'reviews',
  namespace: 'bookinfo',
  workload: 'reviews-green',
  stableWorkload: 'reviews-blue',
  slot: 'green',
  candidateSelector:
    'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"',
  stableSelector:
    'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-blue"',
  windowMs: WINDOW_MS,
  minRequests: 20,
};
const stable: CheckContext = {
  ...candidate,
  workload: 'reviews-blue',
  stableWorkload: 'reviews-green',
  slot: 'blue',
  candidateSelector: candidate.stableSelector,
  stableSelector: candidate.candidateSelector,
};

let bed: SimulatedCluster;
let kube: KubeClient;
let portForwarder: KubePortForwarder;
let checks: PrometheusChecks;

function prometheusAt(url: string): ResolvedPrometheus {
  return { endpoint: { kind: 'url', url }, auth: { type: 'none' }, headers: {}, timeoutMs: 5_000 };
}

beforeAll(async () => {
  const base = fastScenario();
  bed = await startSimulatedCluster({
    prometheus: true,
    scenario: {
      ...base,
      images: {
        ...base.images,
        [FLAKY_IMAGE]: { errorRate: 0.1, errorStatus: 500, latency: { medianMs: 15, p99Ms: 60 } },
      },
      // Enough requests that 10% errors measure as 90 ± 2 (σ well under 1 point).
      clients: [
        ...(base.clients ?? []),
        {
          name: 'loadgen',
          namespace: 'bookinfo',
          replicas: 1,
          rps: 150,
          target: { host: 'reviews', port: 9080, path: '/reviews/1' },
        },
      ],
    },
  });
  const { kubeConfig } = loadKubeconfig({ path: bed.sim.kubeconfigPath });
  kube = new KubeClient({ kubeConfig });
  portForwarder = new KubePortForwarder(kubeConfig);
  const access = { services: kube.services, pods: kube.pods, portForwarder };
  checks = new PrometheusChecks({
    prometheus: createPrometheusClient(prometheusAt(bed.sim.prometheusUrl as string), access),
  });
});

afterAll(async () => {
  await bed?.stop();
});

describe('PrometheusChecks against a real Prometheus', () => {
  it('is inconclusive, saying why, when the candidate gets no traffic', async () => {
    // Prometheus is up and measuring: the stable slot has data.
    await waitFor(
      async () => (await checks.evaluate([successRate], stable))[0]?.outcome === 'pass',
      { timeoutMs: 30_000, description: 'the stable slot to pass' },
    );
    const [result] = await checks.evaluate([successRate], candidate);
    expect(result!.outcome).toBe('inconclusive');
    expect(result!.value).toBeUndefined();
    expect(result!.reason).toMatch(/^no data: the query returned an empty result \(0 requests/);
    expect(result!.reason).toContain('is traffic reaching the candidate reviews-green');
    expect(result!.reason).toContain('destination_workload label read "reviews-green"');
  });

  it('reads 90 ± 2 for a candidate failing 10% of requests, fails min 99; the clean slot passes', async () => {
    await kube.deployments.patch('bookinfo', 'reviews-green', [
      { op: 'replace', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: FLAKY_IMAGE },
    ]);
    await bed.sim.waitForSettled({ timeoutMs: 30_000 });
    await kube.virtualServices.patch('bookinfo', 'reviews', [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
    ]);
    await bed.sim.waitForSettled({ timeoutMs: 30_000 });
    // Let the window fill with the new split (about 100 rps each side).
    await waitFor(
      async () => {
        const rows = await bed.promQuery(
          'sum(increase(istio_requests_total{reporter="destination",destination_workload="reviews-green"}[30s]))',
        );
        return (rows[0]?.value ?? 0) >= 2_500;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: '2500 requests to the candidate' },
    );
    const [flaky] = await checks.evaluate([successRate], candidate);
    console.log(`success-rate of the 10%-error candidate: ${flaky!.value} (${flaky!.reason})`);
    expect(flaky!.outcome).toBe('fail');
    expect(flaky!.value).toBeGreaterThan(88);
    expect(flaky!.value).toBeLessThan(92);
    expect(flaky!.reason).toMatch(/^\d+(\.\d+)?% is below the minimum 99%$/);
    expect(flaky!.query).toContain('destination_workload="reviews-green"');
    expect(flaky!.query).toContain('[30s]');

    const [clean] = await checks.evaluate([successRate], stable);
    expect(clean).toMatchObject({ outcome: 'pass', value: 100 });
  });

  it('reports a malformed query as an error quoting Prometheus', async () => {
    const malformed: CheckDefinition = {
      name: 'broken',
      type: 'custom',
      query: 'sum(rate(istio_requests_total{destination_workload="{{workload}}"}[{{window}}])',
      min: undefined,
      max: 1,
      unit: '',
      analysis: 'threshold',
      sequential: undefined,
    };
    const [result] = await checks.evaluate([malformed, successRate], candidate);
    expect(result!.outcome).toBe('error');
    expect(result!.reason).toMatch(/^Prometheus answered 400 bad_data: .*parse error/);
  });

  it('reports error for every check when Prometheus is stopped', async () => {
    const metricsTarget = new URL(bed.sim.metricsUrl).host;
    const own = await startPrometheus({ targets: [metricsTarget], scrapeIntervalSeconds: 1 });
    const access = { services: kube.services, pods: kube.pods, portForwarder };
    const ownChecks = new PrometheusChecks({
      prometheus: createPrometheusClient(prometheusAt(own.url), access),
    });
    const before = await ownChecks.evaluate([successRate], stable);
    expect(before[0]!.outcome).not.toBe('error');
    await own.stop();
    const results = await ownChecks.evaluate([successRate], stable);
    expect(results[0]!.outcome).toBe('error');
    expect(results[0]!.reason).toMatch(
      new RegExp(`^cannot reach Prometheus \\(${own.url.replace(/\./g, '\\.')}\\): fetch failed`),
    );
  });
});

/**
 * The end-to-end test bed: the simulator with the bookinfo manifests and fast settings
 * (pods ready in a fraction of a second, proxies applying pushes in tens of milliseconds),
 * optionally a real Prometheus, and small helpers to look at it the way a user would:
 * kubectl, PromQL, the VirtualService's weights.
 */
import { fileURLToPath } from 'node:url';
import type { OperationInput, VirtualService } from '@switchyard/core';
import { startSimulator, type ScenarioInput, type Simulator } from '@switchyard/sim';
import { promQuery, type PromSample } from './prom-query.js';
import { runKubectl } from './run-kubectl.js';

/** Directory of the bookinfo manifests (examples/bookinfo). */
export const BOOKINFO_MANIFESTS = fileURLToPath(
  new URL('../../../examples/bookinfo', import.meta.url),
);

/** The image the default scenario makes fail one request in five. */
export const BAD_IMAGE = 'docker.io/istio/examples-bookinfo-reviews-v3:1.20.1';
/** A healthy new version. */
export const GOOD_IMAGE = 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.1';

/**
 * Check settings for tests, on the simulator and the real test bed alike: windows of several
 * 1 s scrapes, generous inconclusive limits while data arrives.
 */
export const FAST_CHECKS = {
  interval: '1s',
  window: '5s',
  scrapeInterval: '1s',
  minRequests: 5,
  failureLimit: 2,
  inconclusiveLimit: 30,
} as const;

/** The bookinfo scenario with test-speed settings; `overrides` replace top-level sections. */
export function fastScenario(overrides: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: 'bookinfo-fast',
    manifests: [BOOKINFO_MANIFESTS],
    istio: {
      replicas: 2,
      debounceMs: 20,
      applyDelay: { medianMs: 40, p99Ms: 250 },
      ingressGateway: { enabled: true, replicas: 1 },
    },
    pods: { readyDelayMs: 200, terminationDelayMs: 100 },
    images: {
      default: { errorRate: 0, latency: { medianMs: 15, p99Ms: 60 } },
      [BAD_IMAGE]: { errorRate: 0.2, errorStatus: 500, latency: { medianMs: 25, p99Ms: 120 } },
    },
    clients: [
      {
        name: 'productpage',
        namespace: 'bookinfo',
        replicas: 1,
        rps: 40,
        target: { host: 'reviews', port: 9080, path: '/reviews/0' },
      },
      {
        name: 'release-tester',
        namespace: 'bookinfo',
        replicas: 1,
        rps: 10,
        target: { host: 'reviews', port: 9080, path: '/reviews/0' },
        headers: { 'x-release': 'candidate' },
      },
    ],
    prometheus: { scrapeIntervalSeconds: 1 },
    ...overrides,
  };
}

/** A running test bed. */
export interface Testbed {
  /** The simulator. */
  sim: Simulator;
  /** Runs kubectl against the simulator; resolves stdout, rejects with stderr on failure. */
  kubectl(args: readonly string[]): Promise<string>;
  /** A kubectl JSON read. */
  kubectlJson<T = unknown>(args: readonly string[]): Promise<T>;
  /** The reviews VirtualService, read with kubectl. */
  virtualService(): Promise<VirtualService>;
  /**
   * Library options for an operation on reviews against this test bed: its kubeconfig and
   * Prometheus, checks sized for a 1 s scrape interval, and `extra` on top.
   */
  operationOptions(holderIdentity: string, extra?: Partial<OperationInput>): OperationInput;
  /** Instant PromQL query against the test bed's Prometheus; returns the vector. */
  promQuery(query: string): Promise<PromSample[]>;
  /** Stops everything. */
  stop(): Promise<void>;
}

/** Starts the test bed and waits until every workload and proxy is ready. */
export async function startTestbed(
  options: { scenario?: ScenarioInput; prometheus?: boolean } = {},
): Promise<Testbed> {
  const sim = await startSimulator({
    scenario: options.scenario ?? fastScenario(),
    prometheus: options.prometheus ?? false,
  });
  try {
    await sim.waitForSettled({ timeoutMs: 30_000 });
  } catch (error) {
    await sim.stop();
    throw error;
  }
  const kubectl = (args: readonly string[]): Promise<string> =>
    runKubectl(sim.kubeconfigPath, args);
  return {
    sim,
    kubectl,
    virtualService: async () =>
      JSON.parse(
        await kubectl(['-n', 'bookinfo', 'get', 'virtualservice', 'reviews', '-o', 'json']),
      ) as VirtualService,
    operationOptions: (holderIdentity, extra = {}) => ({
      kubeconfig: sim.kubeconfigPath,
      service: 'reviews',
      holderIdentity,
      ...(sim.prometheusUrl ? { prometheus: { url: sim.prometheusUrl } } : {}),
      checks: FAST_CHECKS,
      sync: { timeout: '30s' },
      ...extra,
    }),
    kubectlJson: async <T>(args: readonly string[]) =>
      JSON.parse(await kubectl([...args, '-o', 'json'])) as T,
    promQuery: (query) =>
      sim.prometheusUrl
        ? promQuery(sim.prometheusUrl, query)
        : Promise.reject(new Error('the test bed was started without Prometheus')),
    stop: () => sim.stop(),
  };
}

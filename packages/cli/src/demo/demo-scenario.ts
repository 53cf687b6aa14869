/**
 * The demo's simulator: the default bookinfo scenario with demo-speed settings. Pods are
 * ready in half a second, proxies apply a push in ~150 ms (p99 1 s), and productpage's
 * proxy is a little slower so the proxy sync gate has something visible to wait for.
 */
import { defaultScenarioPath, loadScenarioFile, type LoadedScenario } from '@switchyard/sim';

/** The good version the demo releases. */
export const DEMO_GOOD_IMAGE = 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.1';
/** The bad version: the default scenario makes it fail one request in five. */
export const DEMO_BAD_IMAGE = 'docker.io/istio/examples-bookinfo-reviews-v3:1.20.1';
/** The workload whose proxy is slow to apply pushes. */
export const DEMO_SLOW_WORKLOAD = 'productpage';

/** The bookinfo scenario, loaded, with demo settings. */
export function demoScenario(): LoadedScenario {
  const loaded = loadScenarioFile(defaultScenarioPath());
  const scenario = loaded.scenario;
  return {
    ...loaded,
    scenario: {
      ...scenario,
      name: `${scenario.name}-demo`,
      pods: { ...scenario.pods, readyDelayMs: 500, terminationDelayMs: 200 },
      istio: {
        ...scenario.istio,
        debounceMs: 50,
        applyDelay: { medianMs: 150, p99Ms: 1000 },
      },
      proxies: [
        ...scenario.proxies,
        {
          match: { workload: DEMO_SLOW_WORKLOAD },
          applyDelay: { medianMs: 900, p99Ms: 1500 },
          stuck: false,
        },
      ],
      prometheus: { scrapeIntervalSeconds: 1 },
    },
  };
}

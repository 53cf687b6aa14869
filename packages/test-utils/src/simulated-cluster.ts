/**
 * The fast tier's cluster: the simulator, in process, with bookinfo and fast settings (pods
 * ready in a fraction of a second, proxies applying pushes in tens of milliseconds),
 * optionally a real Prometheus. `sim` is there for tests of the simulator itself;
 * scenarios use only the {@link Cluster} interface.
 */
import {
  scenarioSchema,
  startSimulator,
  type LoadedScenario,
  type ScenarioInput,
  type Simulator,
} from '@switchyard/sim';
import { BAD_IMAGE, bookinfoClients, bookinfoIn } from './bookinfo.js';
import { clusterFrom, type Cluster, type ClusterCapabilities } from './cluster.js';

/** What the simulator can do that the real test bed cannot, and the reverse. */
export const SIMULATED_CLUSTER_CAPABILITIES: ClusterCapabilities = {
  dataPlane: true,
  apiFaults: true,
  podsNeverReady: true,
  gatewayProxies: true,
  headerLimitOverride: true,
  envoyFilters: false,
  inClusterPrometheus: false,
  managedFields: false,
  gatewayApi: false,
};

/**
 * The bookinfo scenario with test-speed settings, its clients in `namespace`; `overrides`
 * replace top-level sections. Without `manifests`: the objects come from `bookinfoIn`.
 */
export function fastScenario(
  overrides: Partial<ScenarioInput> = {},
  namespace = 'bookinfo',
): ScenarioInput {
  return {
    name: 'bookinfo-fast',
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
    clients: bookinfoClients(namespace),
    prometheus: { scrapeIntervalSeconds: 1 },
    ...overrides,
  };
}

/** Options of {@link startSimulatedCluster}. */
export interface StartSimulatedClusterOptions {
  /** Start a real Prometheus scraping the simulator (default false). */
  prometheus?: boolean;
  /** The namespace bookinfo goes in (default `bookinfo`). */
  namespace?: string;
  /** Sections replacing {@link fastScenario}'s. */
  scenario?: Partial<ScenarioInput>;
}

/** A cluster on the simulator, with the simulator itself for simulator tests. */
export interface SimulatedCluster extends Cluster {
  /** The simulator. */
  readonly sim: Simulator;
}

/** Starts the simulator with bookinfo and waits until every workload and proxy is ready. */
export async function startSimulatedCluster(
  options: StartSimulatedClusterOptions = {},
): Promise<SimulatedCluster> {
  const namespace = options.namespace ?? 'bookinfo';
  const input = fastScenario(options.scenario, namespace);
  // Manifests named by the caller are read by the simulator; otherwise the one fixture.
  const objects: LoadedScenario['objects'] = await bookinfoIn(namespace);
  const sim = await startSimulator({
    scenario: input.manifests
      ? input
      : { file: undefined, objects, scenario: scenarioSchema.parse(input) },
    prometheus: options.prometheus ?? false,
  });
  const waitForQuiet = (): Promise<void> => sim.waitForSettled({ timeoutMs: 30_000 });
  try {
    await waitForQuiet();
  } catch (error) {
    await sim.stop();
    throw error;
  }
  return {
    ...clusterFrom({
      tier: 'simulator',
      capabilities: SIMULATED_CLUSTER_CAPABILITIES,
      kubeconfig: sim.kubeconfigPath,
      namespace,
      prometheusUrl: sim.prometheusUrl,
      controlUrl: sim.controlUrl,
      waitForQuiet,
      stop: () => sim.stop(),
    }),
    sim,
  };
}

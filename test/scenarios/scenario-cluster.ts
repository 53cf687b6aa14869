/**
 * How a scenario file gets its cluster, on the tier its Vitest project chose: `e2e`
 * provides `clusterTier: 'simulator'` (a simulator per file), `conformance` provides
 * `clusterTier: 'real'` and the test bed its global setup started (a fresh namespace per
 * file). A scenario that needs what one tier cannot do is registered only where it can run
 * (`scenarioNeeding`), never skipped; the count reporter prints what ran where.
 */
import {
  createRealNamespace,
  realClusterCapabilities,
  SIMULATED_CLUSTER_CAPABILITIES,
  startSimulatedCluster,
  type Cluster,
  type ClusterCapabilities,
  type ClusterCapability,
  type ClusterTier,
  type RealClusterInfo,
} from '@switchyard/test-utils';
import { beforeAll, inject, it, type RunnerTestSuite, type TestFunction } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The tier scenario files run on in this project. */
    clusterTier: ClusterTier;
    /** The real test bed the conformance global setup started (conformance only). */
    realCluster: RealClusterInfo;
  }
  export interface TaskMeta {
    /** Scenarios of a file not registered on this tier, with what they need. */
    scenariosNotRegistered?: string[];
  }
}

/** The tier of this run. */
export const tier: ClusterTier = inject('clusterTier');

/** What the cluster of this run can do, known before any test runs. */
export const capabilities: ClusterCapabilities =
  tier === 'real' ? realClusterCapabilities(inject('realCluster')) : SIMULATED_CLUSTER_CAPABILITIES;

/** How fast every proxy applies a push in scenarios, the same on both tiers. */
const SCENARIO_APPLY_DELAY = { medianMs: 40, p99Ms: 250 };

/**
 * Starts the cluster a scenario file runs on: a simulator with bookinfo (with Prometheus
 * when asked), or bookinfo in the namespace `scenario-<name>` of the real test bed (which
 * always has Prometheus when it has a data plane).
 */
export async function startScenarioCluster(
  name: string,
  options: { prometheus?: boolean } = {},
): Promise<Cluster> {
  if (tier === 'simulator') return startSimulatedCluster({ prometheus: options.prometheus });
  return createRealNamespace(inject('realCluster'), `scenario-${name}`, {
    applyDelay: SCENARIO_APPLY_DELAY,
  });
}

const notRegistered: string[] = [];
let reporting = false;

/**
 * A scenario that needs capabilities (or their absence, `!name`): registered as a test
 * where the tier has them, otherwise only listed for the count reporter.
 */
export function scenarioNeeding(
  needs: readonly (ClusterCapability | `!${ClusterCapability}`)[],
  name: string,
  fn: TestFunction,
  timeout?: number,
): void {
  const missing = needs.filter((need) =>
    need.startsWith('!')
      ? capabilities[need.slice(1) as ClusterCapability]
      : !capabilities[need as ClusterCapability],
  );
  if (missing.length === 0) {
    it(name, fn, timeout);
    return;
  }
  const reasons = missing.map((need) => (need.startsWith('!') ? `no ${need.slice(1)}` : need));
  notRegistered.push(`${name} (needs ${reasons.join(', ')})`);
  if (reporting) return;
  reporting = true;
  // The hook's second argument is its suite; Vitest reads the first parameter of the
  // function's source as a fixtures pattern, hence `arguments` instead of parameters.
  beforeAll(function recordNotRegistered() {
    // eslint-disable-next-line prefer-rest-params -- see above
    const suite = arguments[1] as RunnerTestSuite;
    suite.file.meta.scenariosNotRegistered = [...notRegistered];
  });
}

/**
 * The preflight warnings bookinfo itself draws on this cluster, ahead of every deploy and
 * release: where no gateway proxy runs (the real test bed's fleet plays sidecars only),
 * bookinfo-gateway selects no pod. Scenarios expect exactly these, no more.
 */
export function fixtureWarnings(cluster: Cluster): string[] {
  if (cluster.capabilities.gatewayProxies) return [];
  return [
    `preflight vs-gateways: Gateway ${cluster.namespace}/bookinfo-gateway spec.selector: ` +
      'selects istio=ingressgateway, which no pod carries: no gateway Envoy serves it, so ' +
      'routes bound to it reach nobody (fix: set the selector to the labels of your ingress ' +
      'gateway pods (e.g. istio: ingressgateway))',
  ];
}

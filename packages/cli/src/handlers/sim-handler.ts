/**
 * `switchyard sim`: starts the simulator (and Prometheus with `--prometheus`), prints how
 * to reach it, and stops everything on SIGINT/SIGTERM. An invalid scenario exits 2 with
 * the message naming the field. The kubeconfig holds a bearer token: its path is printed,
 * never its contents.
 */
import {
  defaultScenarioPath,
  ScenarioError,
  startSimulator,
  type Simulator,
} from '@switchyard/sim';
import { UsageError } from '@switchyard/core/errors';
import type { CliContext } from '../cli-context.js';
import { simulatorGuide } from '../render/simulator-guide.js';
import { waitForShutdownSignal } from './shutdown-signal.js';

/** Flags of sim. */
export interface SimArgs {
  /** Scenario file. */
  scenario?: string | undefined;
  /** Start Prometheus. */
  prometheus?: boolean | undefined;
  /** Where to write the kubeconfig. */
  writeKubeconfig?: string | undefined;
  /** API server port. */
  apiPort?: number | undefined;
}

/** Starts a simulator, turning an invalid scenario into a usage error (exit 2). */
export async function startSimulatorFor(
  options: Parameters<typeof startSimulator>[0],
): Promise<Simulator> {
  try {
    return await startSimulator(options);
  } catch (error) {
    if (error instanceof ScenarioError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/** Runs sim until a signal. */
export async function runSim(context: CliContext, args: SimArgs): Promise<void> {
  if (args.apiPort !== undefined && !Number.isInteger(args.apiPort)) {
    throw new UsageError('--api-port: expected a port number');
  }
  // Listen before starting, so a Ctrl-C during startup still stops what was started.
  const stopRequested = waitForShutdownSignal();
  const sim = await startSimulatorFor({
    scenario: args.scenario ?? defaultScenarioPath(),
    prometheus: args.prometheus ?? false,
    kubeconfigPath: args.writeKubeconfig,
    apiPort: args.apiPort,
  });
  try {
    if (context.output === 'json') {
      context.out(
        JSON.stringify({
          scenario: sim.scenario.name,
          kubeconfigPath: sim.kubeconfigPath,
          apiUrl: sim.apiUrl,
          prometheusUrl: sim.prometheusUrl,
          controlUrl: sim.controlUrl,
          metricsUrl: sim.metricsUrl,
        }),
      );
    } else {
      for (const line of simulatorGuide(sim, context.colors)) context.out(line);
    }
    const signal = await stopRequested;
    context.err(
      `received ${signal}: stopping the simulator${sim.prometheusUrl ? ' and Prometheus' : ''}`,
    );
  } finally {
    await sim.stop();
  }
  context.err('stopped');
}

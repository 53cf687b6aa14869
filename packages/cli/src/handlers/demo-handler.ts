/**
 * `switchyard demo`: starts the simulator with demo settings and a real Prometheus, tells
 * the story (see demo-story.ts), prints the closing table, and stops everything, also on
 * Ctrl-C. Exits 0 only when the story went as expected: the good version released, the bad
 * one rolled back and verified, traffic back on the stable slot.
 */
import type { CliContext } from '../cli-context.js';
import { demoReportText } from '../demo/demo-report.js';
import { demoScenario } from '../demo/demo-scenario.js';
import { DemoStory } from '../demo/demo-story.js';
import { simulatorGuide } from '../render/simulator-guide.js';
import { withInterrupts } from './interrupts.js';
import { chooseProgressReporter } from './run-operation.js';
import { waitForShutdownSignal } from './shutdown-signal.js';
import { startSimulatorFor } from './sim-handler.js';

/** Flags of demo. */
export interface DemoArgs {
  /** Keep the simulator running afterwards. */
  keep?: boolean | undefined;
}

/** The demo did not go as the story expects. */
export class DemoFailedError extends Error {
  /** What went differently. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`the demo did not go as expected:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DemoFailedError';
    this.problems = problems;
  }
}

/** Runs the demo. */
export async function runDemo(context: CliContext, args: DemoArgs): Promise<void> {
  const startedAt = Date.now();
  context.service = 'reviews';
  const c = context.colors;
  if (context.output === 'text') {
    context.out(
      c.bold(
        'switchyard demo: a good release and a bad one, on a simulated Kubernetes + Istio mesh',
      ),
    );
    context.out(
      c.dim(
        'starting the simulator (bookinfo, 2 istiod replicas, 9 proxies) and Prometheus (scrape 1s)...',
      ),
    );
  }
  const { report, keptSimulator } = await withInterrupts(
    context,
    async (signal) => {
      const sim = await startSimulatorFor({ scenario: demoScenario(), prometheus: true });
      let keep = false;
      try {
        signal.throwIfAborted();
        await sim.waitForSettled({ timeoutMs: 30_000 });
        signal.throwIfAborted();
        if (context.output === 'text') {
          context.out(
            c.dim(
              `simulator ready at ${sim.apiUrl}, Prometheus at ${sim.prometheusUrl ?? '?'} (${((Date.now() - startedAt) / 1000).toFixed(1)}s)`,
            ),
          );
        }
        const result = await new DemoStory(
          context,
          sim,
          signal,
          startedAt,
          chooseProgressReporter,
        ).run();
        if (context.output === 'json') {
          // A failed story ends with the top-level error object instead.
          if (result.problems.length === 0)
            context.out(JSON.stringify({ demo: result, exitCode: 0 }));
        } else {
          context.out();
          context.out(c.bold(c.cyan('Summary')));
          for (const line of demoReportText(result, c)) context.out(line);
        }
        keep = args.keep === true;
        return { report: result, keptSimulator: keep ? sim : undefined };
      } finally {
        if (!keep) await sim.stop();
      }
    },
    'stopping the demo, the simulator and Prometheus',
  );
  if (keptSimulator) {
    try {
      if (context.output === 'text') {
        context.out();
        for (const line of simulatorGuide(keptSimulator, c)) context.out(line);
      }
      const signal = await waitForShutdownSignal();
      context.err(`received ${signal}: stopping the simulator and Prometheus`);
    } finally {
      await keptSimulator.stop();
    }
  }
  if (report.problems.length > 0) throw new DemoFailedError(report.problems);
}

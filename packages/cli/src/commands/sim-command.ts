/** `switchyard sim`: the mesh simulator in the foreground until Ctrl-C. */
import type { CliContext } from '../cli-context.js';
import { defineCommand } from './define-command.js';
import { withSimulator } from './simulator-package.js';

/** The sim command. */
export function simCommand(context: CliContext) {
  return defineCommand({
    command: 'sim',
    describe: 'run the Kubernetes + Istio simulator (and optionally Prometheus) until Ctrl-C',
    builder: (y) =>
      y
        .option('scenario', {
          type: 'string',
          describe: 'scenario file [default: examples/scenarios/bookinfo.yaml]',
        })
        .option('prometheus', {
          type: 'boolean',
          describe: 'also run a real Prometheus scraping the simulated mesh',
        })
        .option('write-kubeconfig', {
          type: 'string',
          describe: 'write the kubeconfig here (kept after exit) [default: a temporary file]',
        })
        .option('api-port', {
          type: 'number',
          describe: 'API server port [default: any free port]',
        }),
    handler: async (args) => {
      const { runSim } = await withSimulator('sim', () => import('../handlers/sim-handler.js'));
      await runSim(context, args);
    },
  });
}

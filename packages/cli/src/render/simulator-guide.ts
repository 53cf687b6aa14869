/**
 * What `switchyard sim` and `switchyard demo --keep` print: where the simulator is and how
 * to use it. The kubeconfig's path only, never its contents (it holds a bearer token).
 */
import type { Simulator } from '@switchyard/sim';
import type { Colors } from '../cli-context.js';

/** Lines describing a running simulator. */
export function simulatorGuide(sim: Simulator, colors: Colors): string[] {
  const c = colors;
  const label = (text: string): string => c.dim(text.padEnd(13));
  const service = sim.scenario.clients[0]?.target.host ?? 'reviews';
  const namespace = sim.scenario.clients[0]?.namespace ?? 'default';
  const prometheusFlags = ` --prometheus-url ${sim.prometheusUrl ?? ''} --scrape-interval ${sim.scenario.prometheus.scrapeIntervalSeconds}s --window 10s --check-interval 2s`;
  return [
    c.bold(`switchyard simulator running (scenario ${sim.scenario.name})`),
    `  ${label('kubeconfig')}${sim.kubeconfigPath}`,
    `  ${label('API server')}${sim.apiUrl}`,
    `  ${label('Prometheus')}${sim.prometheusUrl ?? c.dim('not started (add --prometheus)')}`,
    `  ${label('control API')}${sim.controlUrl}  ${c.dim('(GET /state, /traffic; see packages/sim/README.md)')}`,
    `  ${label('metrics')}${sim.metricsUrl}`,
    '',
    c.bold('Use it from another terminal:'),
    `  export KUBECONFIG=${sim.kubeconfigPath}`,
    `  kubectl get deployments,virtualservices -n ${namespace}`,
    `  switchyard deploy ${service} --image docker.io/istio/examples-bookinfo-reviews-v2:1.20.1 --header x-release=candidate`,
    // Without Prometheus, no bakes: checks only run while baking.
    `  switchyard release ${service} --steps 10,50,100${sim.prometheusUrl ? ` --bake 20s${prometheusFlags}` : ''}`,
    `  switchyard status ${service}`,
    `  curl ${sim.controlUrl}/state`,
    '',
    c.dim(`Ctrl-C stops everything${sim.prometheusUrl ? ', Prometheus included' : ''}.`),
  ];
}

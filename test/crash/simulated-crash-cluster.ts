/**
 * The simulator as a crash harness cluster: the API server behind the recording proxy,
 * objects read straight from its store, and the route-safety rule watched live: after every
 * change the store commits to a namespace's VirtualService, DestinationRule or pods, where the
 * routes send users is checked against the pods ready at that moment.
 */
import { peekObject, type Simulator } from '@switchyard/sim';
import { SERVICE, type NamespaceObjects } from './cluster-state.js';
import type { CrashCluster } from './crash-harness.js';
import {
  unservedDestinations,
  type RoutedVirtualService,
  type SubsetDestinationRule,
} from './route-safety.js';

type Json = Record<string, any>;

/** The crash harness's view of `sim`. */
export function simulatedCrashCluster(sim: Simulator): CrashCluster {
  return {
    kubeconfig: sim.kubeconfigPath,
    watchRouteSafety: (namespace) => watchRoutes(sim, namespace),
    read: (namespace) => Promise.resolve(readStore(sim, namespace)),
  };
}

function readStore(sim: Simulator, namespace: string): NamespaceObjects | undefined {
  const get = (group: string, plural: string, name: string): Json | undefined => {
    const object = peekObject(sim, group, plural, namespace, name);
    return object ? structuredClone(object) : undefined;
  };
  const virtualService = get('networking.istio.io', 'virtualservices', SERVICE);
  const destinationRule = get('networking.istio.io', 'destinationrules', SERVICE);
  const blue = get('apps', 'deployments', `${SERVICE}-blue`);
  const green = get('apps', 'deployments', `${SERVICE}-green`);
  if (!virtualService || !destinationRule || !blue || !green) return undefined;
  return {
    virtualService,
    destinationRule,
    deployments: { blue, green },
    lease: get('coordination.k8s.io', 'leases', `switchyard-${SERVICE}`),
  };
}

function watchRoutes(sim: Simulator, namespace: string): () => string[] {
  const type = (group: string, plural: string) => {
    const found = sim.registry.byPlural(group, plural);
    if (!found) throw new Error(`the simulator serves no ${plural}`);
    return found;
  };
  const virtualServices = type('networking.istio.io', 'virtualservices');
  const destinationRules = type('networking.istio.io', 'destinationrules');
  const pods = type('', 'pods');
  const problems = new Set<string>();
  const check = (resourceVersion: number): void => {
    const vs = sim.store.peek(virtualServices, namespace, SERVICE);
    if (!vs) return;
    const found = unservedDestinations(
      vs as RoutedVirtualService,
      sim.store.peek(destinationRules, namespace, SERVICE) as SubsetDestinationRule | undefined,
      sim.store.peekAll(pods, namespace),
    );
    for (const problem of found) problems.add(`at resourceVersion ${resourceVersion}: ${problem}`);
  };
  check(sim.store.currentResourceVersion());
  const unsubscribe = sim.store.subscribe((event) => {
    if (event.object.metadata.namespace !== namespace) return;
    if ([virtualServices, destinationRules, pods].includes(event.resource))
      check(event.resourceVersion);
  });
  return () => {
    unsubscribe();
    return [...problems];
  };
}

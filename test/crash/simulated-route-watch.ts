/**
 * The route-safety rule watched live on the simulator: after every change the store commits
 * to the namespace's VirtualService, DestinationRule or pods, where the routes send users is
 * checked against the pods ready at that moment.
 */
import type { Simulator } from '@switchyard/sim';
import { SERVICE } from './cluster-state.js';
import {
  unservedDestinations,
  type RoutedPod,
  type RoutedVirtualService,
  type SubsetDestinationRule,
} from './route-safety.js';

/** Starts watching `namespace`; the returned function stops and lists what went wrong. */
export function watchSimulatedRoutes(sim: Simulator, namespace: string): () => string[] {
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
      sim.store.peekAll(pods, namespace) as readonly RoutedPod[],
    );
    for (const problem of found) problems.add(`at resourceVersion ${resourceVersion}: ${problem}`);
  };
  check(sim.store.currentResourceVersion());
  const unsubscribe = sim.store.subscribe((event) => {
    if (event.object.metadata.namespace !== namespace) return;
    if ([virtualServices, destinationRules, pods].includes(event.resource)) check(event.resourceVersion);
  });
  return () => {
    unsubscribe();
    return [...problems];
  };
}

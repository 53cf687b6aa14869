/**
 * What switchyard manages for one service: its host, the two slot subsets, and optionally
 * the names of the routes that carry its traffic. Every route-surgery function takes one.
 */
import { UsageError } from '../errors.js';
import { DEFAULT_CLUSTER_DOMAIN, resolveHost } from './host-name.js';

/** One of a service's two deployment slots. */
export type Slot = 'blue' | 'green';

/** Both slots, in the order switchyard lists them. */
export const SLOTS: readonly Slot[] = ['blue', 'green'];

/** The DestinationRule subset name of each slot. */
export interface SlotSubsets {
  /** Subset of the blue slot (default `blue`). */
  blue: string;
  /** Subset of the green slot (default `green`). */
  green: string;
}

/** The service whose routes switchyard manages, and how to recognise them. */
export interface RouteTarget {
  /** Service name, e.g. `reviews`; also names the pre-release route. */
  service: string;
  /** Namespace of the Service. */
  namespace: string;
  /**
   * Host the routes send to, a short name (resolved in `namespace`) or fully qualified, as
   * istiod resolves it (`resolveHost`); undefined means the service name, i.e.
   * `<service>.<namespace>.svc.<domain>`.
   */
  host?: string | undefined;
  /** Subset per slot, as an object or as `[blue, green]`. The two must differ. */
  subsets: SlotSubsets | readonly [blue: string, green: string];
  /**
   * Names of the http routes to manage. Undefined or empty means find the service's route
   * automatically (see `findManagedRoutes`); given, exactly these routes are managed.
   */
  routeNames?: readonly string[] | undefined;
  /** Cluster DNS domain; undefined means `cluster.local`. */
  clusterDomain?: string | undefined;
}

/** The target's subsets as `{ blue, green }`; throws `UsageError` when they are empty or equal. */
export function slotSubsetsOf(target: RouteTarget): SlotSubsets {
  const subsets: SlotSubsets = Array.isArray(target.subsets)
    ? { blue: target.subsets[0] as string, green: target.subsets[1] as string }
    : (target.subsets as SlotSubsets);
  if (!subsets.blue || !subsets.green) {
    throw new UsageError(`service ${target.service}: both slot subsets must be named`);
  }
  if (subsets.blue === subsets.green) {
    throw new UsageError(
      `service ${target.service}: the blue and green slots both use subset "${subsets.blue}"; give each slot its own subset`,
    );
  }
  return subsets;
}

/** The slot whose subset is `subset`, or undefined when it is not a slot subset. */
export function slotOfSubset(subsets: SlotSubsets, subset: unknown): Slot | undefined {
  return SLOTS.find((slot) => subsets[slot] === subset);
}

/** The fully qualified host of the target's service. */
export function serviceHostOf(target: RouteTarget): string {
  return resolveHost(
    target.host ?? target.service,
    target.namespace,
    target.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
  );
}

/** The name switchyard gives the service's pre-release header route. */
export function prereleaseRouteName(service: string): string {
  return `switchyard-${service}-prerelease`;
}

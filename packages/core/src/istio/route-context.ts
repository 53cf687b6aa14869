/**
 * A {@link RouteTarget} resolved against one VirtualService: the service host as an FQDN,
 * the namespace short destination hosts resolve in (the VirtualService's own), the slot
 * subsets, and the object's reference for refusals.
 */
import type { ObjectRef } from '../errors.js';
import { DEFAULT_CLUSTER_DOMAIN, resolveHost } from './host-name.js';
import { isJsonObject } from '../json-diff/json-value.js';
import { objectRefOf } from '../kube/object-ref.js';
import {
  serviceHostOf,
  slotSubsetsOf,
  type RouteTarget,
  type SlotSubsets,
} from './route-target.js';
import type { HttpRoute, VirtualService } from './types.js';

/** A target resolved against one VirtualService. */
export interface RouteContext {
  /** The target itself. */
  target: RouteTarget;
  /** The service host, fully qualified. */
  host: string;
  /** Namespace short hosts in the VirtualService resolve in. */
  namespace: string;
  /** Cluster DNS domain. */
  clusterDomain: string;
  /** Subset per slot. */
  subsets: SlotSubsets;
  /** The VirtualService, for refusals. */
  ref: ObjectRef;
}

/** Resolves `target` against `virtualService`. */
export function routeContextOf(virtualService: VirtualService, target: RouteTarget): RouteContext {
  return {
    target,
    host: serviceHostOf(target),
    namespace: virtualService.metadata.namespace ?? target.namespace,
    clusterDomain: target.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    subsets: slotSubsetsOf(target),
    ref: objectRefOf(virtualService),
  };
}

/** True when `destination` (a `{ host }` object as written in the VirtualService) is the service. */
export function isServiceDestination(context: RouteContext, destination: unknown): boolean {
  return (
    isJsonObject(destination) &&
    typeof destination.host === 'string' &&
    resolveHost(destination.host, context.namespace, context.clusterDomain) === context.host
  );
}

/** The `route[]` entries of an http route, or `[]` when it has none (redirect, delegate). */
export function routeEntriesOf(route: HttpRoute): unknown[] {
  return Array.isArray(route.route) ? route.route : [];
}

/** `http[2] "reviews-default"` or `http[2] (unnamed)`: how refusals name a route. */
export function routeLabel(route: HttpRoute, index: number): string {
  return typeof route.name === 'string'
    ? `http[${index}] "${route.name}"`
    : `http[${index}] (unnamed)`;
}

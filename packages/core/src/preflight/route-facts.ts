/**
 * What the checks need to know about the managed routes, derived once from the facts: the
 * managed routes (undefined when switchyard could not manage them: `target-objects` reports
 * why) and the live slot weights, over the same route target the operations use.
 */
import { RouteRefusedError } from '../errors.js';
import { findManagedRoutes, type ManagedRouteSet } from '../istio/managed-routes.js';
import type { Slot } from '../istio/route-target.js';
import { readSlotWeights } from '../istio/slot-weights.js';
import { httpRouteTargetOf } from '../routing/http-route/http-route-backend.js';
import { readRuleWeights } from '../routing/http-route/rule-weights.js';
import { routeTargetOf } from '../routing/virtual-service/virtual-service-backend.js';
import type { PreflightContext } from './preflight-context.js';

/** The managed routes, or undefined when the VirtualService is missing or refused. */
export function managedRoutesOf(context: PreflightContext): ManagedRouteSet | undefined {
  if (!context.virtualService) return undefined;
  try {
    return findManagedRoutes(context.virtualService, routeTargetOf(context.spec));
  } catch (error) {
    if (error instanceof RouteRefusedError) return undefined;
    throw error;
  }
}

/**
 * Each slot's weight on the managed routes now (the managed rules' through an HTTPRoute), or
 * undefined when unknown.
 */
export function liveWeightsOf(context: PreflightContext): Record<Slot, number> | undefined {
  try {
    if (context.routeKind === 'HTTPRoute')
      return context.httpRoute
        ? readRuleWeights(context.httpRoute, httpRouteTargetOf(context.spec))
        : undefined;
    if (!context.virtualService) return undefined;
    return readSlotWeights(context.virtualService, routeTargetOf(context.spec));
  } catch (error) {
    if (error instanceof RouteRefusedError) return undefined;
    throw error;
  }
}

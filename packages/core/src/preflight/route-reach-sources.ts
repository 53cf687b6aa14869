/**
 * Every source of route reaches (`route-reach.ts`), one per kind of routing object. Both run
 * whatever the kind the release goes through: a VirtualService's route and an HTTPRoute's
 * backendRef reach the same pods.
 */
import { httpRouteReaches } from './http-route-reach.js';
import { virtualServiceReaches, type RouteReachSource } from './route-reach.js';

/** The sources, with what each lists (for a `not checked` finding when it cannot). */
export const ROUTE_REACH_SOURCES: readonly {
  readonly objects: string;
  readonly reaches: RouteReachSource;
}[] = [
  { objects: 'virtualservices', reaches: virtualServiceReaches },
  { objects: 'httproutes', reaches: httpRouteReaches },
];

/**
 * Every place a VirtualService sends requests: the `route[]` entries of its http, tcp and
 * tls routes, and the http routes' `mirror` and `mirrors[]` (copies of requests, whose
 * responses are discarded). One walk for every reader: the subsets still in use, the routes
 * that reach a slot, the references a check validates.
 */
import { isJsonObject } from '../json-diff/json-value.js';
import { routeLabel } from './route-context.js';
import type { Destination } from './types.js';

/** The kinds of route a VirtualService has. */
export const ROUTE_KINDS = ['http', 'tcp', 'tls'] as const;

/** One destination as written in a VirtualService. */
export interface RouteDestination {
  /** The destination (host, subset, port) as written. */
  readonly destination: Destination;
  /** `route` (a weighted entry) or `mirror` (a copy: `mirror` or a `mirrors[]` entry). */
  readonly how: 'route' | 'mirror';
  /** Which list of routes it is in. */
  readonly routeKind: (typeof ROUTE_KINDS)[number];
  /** Index of its route in that list. */
  readonly routeIndex: number;
  /** Field path, e.g. `spec.http[1].route[0].destination` or `spec.http[1].mirror`. */
  readonly path: string;
  /**
   * Whether requests (or copies) reach it: a lone entry takes every request whatever its
   * weight (istiod routes to its cluster directly); beside others, an entry needs a weight
   * above 0 (undefined counts as 0); a mirror, a percentage other than 0 (undefined: 100).
   */
  readonly carries: boolean;
}

function isDestination(value: unknown): value is Destination {
  return isJsonObject(value) && typeof value.host === 'string';
}

function mirrorCarries(percentage: unknown): boolean {
  return !isJsonObject(percentage) || percentage.value !== 0;
}

/** Every destination of `spec` (a VirtualService's), in document order. */
export function routeDestinationsOf(spec: Readonly<Record<string, unknown>>): RouteDestination[] {
  const found: RouteDestination[] = [];
  for (const routeKind of ROUTE_KINDS) {
    const routes = spec[routeKind];
    if (!Array.isArray(routes)) continue;
    routes.forEach((route: unknown, routeIndex) => {
      if (!isJsonObject(route)) return;
      const at = `spec.${routeKind}[${routeIndex}]`;
      const entries = Array.isArray(route.route) ? route.route : [];
      entries.forEach((entry: unknown, entryIndex) => {
        if (!isJsonObject(entry) || !isDestination(entry.destination)) return;
        const weight = typeof entry.weight === 'number' ? entry.weight : 0;
        found.push({
          destination: entry.destination,
          how: 'route',
          routeKind,
          routeIndex,
          path: `${at}.route[${entryIndex}].destination`,
          carries: entries.length === 1 || weight > 0,
        });
      });
      if (isDestination(route.mirror))
        found.push({
          destination: route.mirror,
          how: 'mirror',
          routeKind,
          routeIndex,
          path: `${at}.mirror`,
          carries: mirrorCarries(route.mirrorPercentage),
        });
      const mirrors = Array.isArray(route.mirrors) ? route.mirrors : [];
      mirrors.forEach((mirror: unknown, mirrorIndex) => {
        if (!isJsonObject(mirror) || !isDestination(mirror.destination)) return;
        found.push({
          destination: mirror.destination,
          how: 'mirror',
          routeKind,
          routeIndex,
          path: `${at}.mirrors[${mirrorIndex}].destination`,
          carries: mirrorCarries(mirror.percentage),
        });
      });
    });
  }
  return found;
}

/** How messages name the route of `found`: `http[1] "jason"`, `http[2] (unnamed)`, `tcp[0]`. */
export function routeOfDestination(
  spec: Readonly<Record<string, unknown>>,
  found: RouteDestination,
): string {
  const routes = spec[found.routeKind];
  const route: unknown = Array.isArray(routes) ? routes[found.routeIndex] : undefined;
  return found.routeKind === 'http' && isJsonObject(route)
    ? routeLabel(route, found.routeIndex)
    : `${found.routeKind}[${found.routeIndex}]`;
}

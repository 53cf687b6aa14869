/**
 * Recognising switchyard's own pre-release route. Istio's schema keeps no marker fields on a
 * route, so ownership is by name and shape: named `switchyard-<service>-prerelease`, only
 * header-bearing match entries, exactly one destination (the service, a slot subset), and
 * no fields beyond those switchyard writes. A user route that happens to use the name, or
 * our route after someone added a fault or a second destination to it, is not ours: we
 * refuse to replace or remove it rather than destroy their edit.
 */
import { isJsonObject } from '../json-diff/json-value.js';
import { isServiceDestination, routeEntriesOf, type RouteContext } from './route-context.js';
import { prereleaseRouteName, slotOfSubset } from './route-target.js';
import type { HttpRoute } from './types.js';

/** The only fields switchyard writes on its pre-release route. */
export const PRERELEASE_ROUTE_FIELDS: readonly string[] = [
  'name',
  'match',
  'route',
  'timeout',
  'retries',
];

/** True when `route` is switchyard's pre-release route for the context's service. */
export function isOwnPrereleaseRoute(context: RouteContext, route: HttpRoute): boolean {
  if (route.name !== prereleaseRouteName(context.target.service)) return false;
  if (Object.keys(route).some((key) => !PRERELEASE_ROUTE_FIELDS.includes(key))) return false;
  const matches = route.match;
  if (!Array.isArray(matches) || matches.length === 0) return false;
  if (!matches.every((entry) => isJsonObject(entry) && isJsonObject(entry.headers))) return false;
  const entries = routeEntriesOf(route);
  const entry = entries[0];
  return (
    entries.length === 1 &&
    isJsonObject(entry) &&
    isServiceDestination(context, entry.destination) &&
    isJsonObject(entry.destination) &&
    slotOfSubset(context.subsets, entry.destination.subset) !== undefined
  );
}

/**
 * Which http routes of a user's VirtualService switchyard manages for a service.
 *
 * With `routeNames`: exactly the routes with those names, whatever their `match`
 * conditions (a user who names a header route asks for it to be managed).
 *
 * Without: the http routes that send traffic to the service host (resolved as istiod does,
 * a short name in the VirtualService's namespace) are the candidates; switchyard's own pre-release route is
 * not one. One candidate is managed as is, even with `match` conditions (a gateway
 * VirtualService that routes `/productpage` to the service). Among several candidates,
 * routes with `match` conditions are the user's own (Istio's jason sample: a header route to
 * v2 above a default route to v3) and the single candidate without `match`, the default
 * route, is managed; the user's match routes are never touched. Several default routes, or
 * several match routes and no default one, are ambiguous: refused.
 *
 * Delegation: without `routeNames`, a VirtualService with any `delegate` route is refused,
 * since delegated traffic may reach the service through routes we cannot see; with
 * `routeNames`, only a named route that delegates is refused.
 *
 * A managed route must send only to the service and only to the two slot subsets; anything
 * else (another host, a subset outside the slots, no subset at all, the same subset twice)
 * is refused, because changing weights there would silently move or drop traffic the user
 * routed deliberately. Routes for other hosts are never managed and never touched.
 */
import { RouteRefusedError } from '../errors.js';
import { isJsonObject } from '../json-diff/json-value.js';
import { isOwnPrereleaseRoute } from './own-prerelease-route.js';
import {
  isServiceDestination,
  routeContextOf,
  routeEntriesOf,
  routeLabel,
  type RouteContext,
} from './route-context.js';
import { slotOfSubset, type RouteTarget, type SlotSubsets } from './route-target.js';
import type { HttpRoute, VirtualService } from './types.js';

/** One managed http route. */
export interface ManagedRoute {
  /** Index in `spec.http`. */
  index: number;
  /** How messages name it: `http[1] "reviews-default"`. */
  label: string;
  /** The route as found (not a copy). */
  route: HttpRoute;
}

/** The routes switchyard manages in one VirtualService for one service. */
export interface ManagedRouteSet {
  /** The service host, fully qualified. */
  host: string;
  /** Subset per slot. */
  subsets: SlotSubsets;
  /** The managed routes, in `spec.http` order; never empty. */
  routes: [ManagedRoute, ...ManagedRoute[]];
}

function hasMatch(route: HttpRoute): boolean {
  return Array.isArray(route.match) && route.match.length > 0;
}

function describeDestinations(context: RouteContext, route: HttpRoute): string {
  if (isJsonObject(route.delegate)) return 'delegate';
  const hosts = routeEntriesOf(route).map((entry) =>
    isJsonObject(entry) && isJsonObject(entry.destination)
      ? String(entry.destination.host)
      : 'no destination',
  );
  return hosts.length === 0 ? 'no destinations' : [...new Set(hosts)].join(', ');
}

function refuseForTcpOrTls(context: RouteContext, virtualService: VirtualService): void {
  for (const kind of ['tcp', 'tls'] as const) {
    const routes = virtualService.spec[kind];
    if (!Array.isArray(routes)) continue;
    const index = routes.findIndex(
      (route) =>
        isJsonObject(route) &&
        Array.isArray(route.route) &&
        route.route.some(
          (entry) => isJsonObject(entry) && isServiceDestination(context, entry.destination),
        ),
    );
    if (index >= 0) {
      throw new RouteRefusedError(
        'tcp-tls-only',
        context.ref,
        `${context.host} is routed only by ${kind}[${index}], not by an http route`,
        'switchyard shifts HTTP traffic and adds header routes, which need an http route: ' +
          'route the service through spec.http (and name its Service port http-*), or release this service another way.',
      );
    }
  }
}

function delegateTarget(route: HttpRoute): string {
  const delegate = route.delegate ?? {};
  return `VirtualService ${delegate.namespace ? `${delegate.namespace}/` : ''}${delegate.name ?? '(unnamed)'}`;
}

function refuseDelegate(context: RouteContext, route: HttpRoute, index: number): never {
  throw new RouteRefusedError(
    'delegate',
    context.ref,
    `${routeLabel(route, index)} delegates to ${delegateTarget(route)}, whose routes switchyard cannot see or change from here`,
    `Manage the delegate ${delegateTarget(route)} instead: pass it as the VirtualService, with the name of its route that serves ${context.target.service}.`,
  );
}

function selectNamedRoutes(
  context: RouteContext,
  http: readonly HttpRoute[],
  names: readonly string[],
): number[] {
  const indices = new Set<number>();
  for (const name of new Set(names)) {
    const found = http.flatMap((route, index) => (route.name === name ? [index] : []));
    if (found.length === 0) {
      const named = http.flatMap((route) =>
        typeof route.name === 'string' ? [`"${route.name}"`] : [],
      );
      const unnamed = http.length - named.length;
      throw new RouteRefusedError(
        'route-name-not-found',
        context.ref,
        `has no http route named "${name}"; its routes are ${named.length > 0 ? named.join(', ') : 'all unnamed'}` +
          (named.length > 0 && unnamed > 0 ? ` and ${unnamed} unnamed` : ''),
        `Pass one of the existing names, or add name: ${name} to the route that serves ${context.target.service}.`,
      );
    }
    if (found.length > 1) {
      throw new RouteRefusedError(
        'ambiguous-routes',
        context.ref,
        `has ${found.length} http routes named "${name}" (${found.map((index) => `http[${index}]`).join(', ')})`,
        'Give each route a unique name and pass the one switchyard should manage.',
      );
    }
    const index = found[0] as number;
    const route = http[index] as HttpRoute;
    if (isOwnPrereleaseRoute(context, route)) {
      throw new RouteRefusedError(
        'name-collision',
        context.ref,
        `"${name}" is switchyard's own pre-release route, not a route that carries ${context.target.service}'s traffic`,
        `Pass the name of the route that serves ${context.target.service}'s users.`,
      );
    }
    if (isJsonObject(route.delegate)) refuseDelegate(context, route, index);
    indices.add(index);
  }
  return [...indices].sort((a, b) => a - b);
}

function selectRoutesAutomatically(
  context: RouteContext,
  virtualService: VirtualService,
  http: readonly HttpRoute[],
): number[] {
  const delegateIndex = http.findIndex((route) => isJsonObject(route.delegate));
  if (delegateIndex >= 0) refuseDelegate(context, http[delegateIndex] as HttpRoute, delegateIndex);

  const candidates = http.flatMap((route, index) =>
    !isOwnPrereleaseRoute(context, route) &&
    routeEntriesOf(route).some(
      (entry) => isJsonObject(entry) && isServiceDestination(context, entry.destination),
    )
      ? [index]
      : [],
  );
  if (candidates.length === 0) {
    refuseForTcpOrTls(context, virtualService);
    throw new RouteRefusedError(
      'no-matching-route',
      context.ref,
      `no http route sends traffic to ${context.host}; its routes go to ` +
        http
          .map(
            (route, index) =>
              `${routeLabel(route, index)} → ${describeDestinations(context, route)}`,
          )
          .join('; '),
      `Pass the VirtualService that routes ${context.target.service}, or add an http route to host ${context.target.service} with destination subset "${context.subsets.blue}".`,
    );
  }
  if (candidates.length === 1) return candidates;
  const defaults = candidates.filter((index) => !hasMatch(http[index] as HttpRoute));
  if (defaults.length === 1) return defaults;
  throw new RouteRefusedError(
    'ambiguous-routes',
    context.ref,
    `${candidates.length} http routes send traffic to ${context.host} (` +
      candidates
        .map((index) => {
          const route = http[index] as HttpRoute;
          return `${routeLabel(route, index)}${hasMatch(route) ? ' with match conditions' : ' without match conditions'}`;
        })
        .join(', ') +
      `) and ${defaults.length === 0 ? 'none is' : `${defaults.length} are`} a default route without match conditions`,
    'Name the route switchyard should manage (spec.http[].name) and pass that name as the route name.',
  );
}

function validateManagedRoute(context: RouteContext, route: HttpRoute, index: number): void {
  const label = routeLabel(route, index);
  const entries = routeEntriesOf(route);
  if (entries.length === 0) {
    throw new RouteRefusedError(
      'no-matching-route',
      context.ref,
      `${label} has no route destinations (it redirects or answers directly), so it has no weights to shift`,
      `Pass the name of the route that sends ${context.target.service}'s traffic to its subsets.`,
    );
  }
  const seen = new Set<unknown>();
  for (const entry of entries) {
    const destination = isJsonObject(entry) ? entry.destination : undefined;
    if (!isServiceDestination(context, destination)) {
      const host = isJsonObject(destination) ? String(destination.host) : 'nothing';
      throw new RouteRefusedError(
        'foreign-destination',
        context.ref,
        `${label} also sends traffic to ${host}, not only to ${context.host}`,
        `Split it so one route sends only to ${context.target.service}, and pass that route's name.`,
      );
    }
    const subset = isJsonObject(destination) ? destination.subset : undefined;
    if (subset === undefined) {
      throw new RouteRefusedError(
        'foreign-destination',
        context.ref,
        `${label} sends traffic to ${context.target.service} without a subset, i.e. to the pods of both slots`,
        `Set destination.subset to "${context.subsets.blue}" (or whichever slot serves today) on that route, then run again.`,
      );
    }
    if (slotOfSubset(context.subsets, subset) === undefined) {
      throw new RouteRefusedError(
        'foreign-destination',
        context.ref,
        `${label} sends traffic to subset ${JSON.stringify(subset)}, which is not one of the slot subsets "${context.subsets.blue}" and "${context.subsets.green}"`,
        `Configure the slot subsets to match the route (e.g. subsets [${JSON.stringify(subset)}, <other>]), or move that traffic to a slot subset first.`,
      );
    }
    if (seen.has(subset)) {
      throw new RouteRefusedError(
        'ambiguous-routes',
        context.ref,
        `${label} lists subset ${JSON.stringify(subset)} more than once, so it is unclear which entry carries the slot's weight`,
        'Merge the entries into one per subset.',
      );
    }
    seen.add(subset);
  }
}

/**
 * The http routes switchyard manages for `target` in `virtualService` (rules in the module
 * comment). Throws `RouteRefusedError` when they cannot be identified or changed safely.
 */
export function findManagedRoutes(
  virtualService: VirtualService,
  target: RouteTarget,
): ManagedRouteSet {
  const context = routeContextOf(virtualService, target);
  const http = Array.isArray(virtualService.spec.http) ? virtualService.spec.http : [];
  if (http.length === 0) {
    refuseForTcpOrTls(context, virtualService);
    throw new RouteRefusedError(
      'no-http-routes',
      context.ref,
      'has no http routes',
      `Add an http route to host ${target.service} with destination subset "${context.subsets.blue}"; switchyard manages http routes only.`,
    );
  }
  const indices =
    target.routeNames !== undefined && target.routeNames.length > 0
      ? selectNamedRoutes(context, http, target.routeNames)
      : selectRoutesAutomatically(context, virtualService, http);
  const routes = indices.map((index) => {
    const route = http[index] as HttpRoute;
    validateManagedRoute(context, route, index);
    return { index, label: routeLabel(route, index), route };
  });
  // Both selections return at least one index or throw.
  return {
    host: context.host,
    subsets: context.subsets,
    routes: routes as [ManagedRoute, ...ManagedRoute[]],
  };
}

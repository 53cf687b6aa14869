/**
 * The pre-release header route: requests carrying the given headers go 100% to the
 * candidate slot, every other request is routed as before. It is named
 * `switchyard-<service>-prerelease` and sits immediately above the first managed route, so
 * it only captures requests that would have reached the managed route: when the managed
 * routes have `match` conditions, each of its match entries is one of theirs AND-ed with the
 * headers (a header route for `/api` must not capture `/static` requests routed below).
 * It copies the destination port, `timeout` and `retries` of the managed route so
 * pre-release requests behave like real ones; it copies nothing else (a user's `fault`
 * injection or `mirror` is theirs, not the candidate's).
 *
 * Setting it again replaces it where it is (idempotent; new headers replace the old ones);
 * removing it restores the VirtualService exactly.
 */
import { describeRef, RouteRefusedError, UsageError, type ValidationIssue } from '../errors.js';
import { isJsonObject } from '../json-diff/json-value.js';
import { findManagedRoutes, type ManagedRouteSet } from './managed-routes.js';
import { isOwnPrereleaseRoute } from './own-prerelease-route.js';
import { routeContextOf, routeLabel, type RouteContext } from './route-context.js';
import { prereleaseRouteName, type RouteTarget, type Slot } from './route-target.js';
import type { HttpMatchRequest, HttpRoute, StringMatch, VirtualService } from './types.js';

/** What the pre-release route matches and where it sends. */
export interface PrereleaseRouteOptions {
  /** The candidate slot that receives matching requests. */
  slot: Slot;
  /**
   * Header conditions, all of which must hold (AND): header name (lower case) to exactly
   * one of `exact`, `prefix` or `regex` (RE2, checked by Istio's webhook, not here).
   */
  headers: Readonly<Record<string, StringMatch>>;
}

/** Where switchyard's pre-release route is, when the VirtualService has one. */
export interface FoundPrereleaseRoute {
  /** Index in `spec.http`. */
  index: number;
  /** The route (not a copy). */
  route: HttpRoute;
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const MATCH_KINDS = ['exact', 'prefix', 'regex'] as const;

/** Problems with pre-release header conditions; empty when they are usable. */
export function validateHeaderConditions(
  headers: Readonly<Record<string, StringMatch>>,
): ValidationIssue[] {
  const names = Object.keys(headers);
  if (names.length === 0) {
    return [{ path: '', message: 'at least one header condition is required' }];
  }
  const issues: ValidationIssue[] = [];
  for (const name of names) {
    if (!HEADER_NAME.test(name)) {
      issues.push({
        path: name,
        message: 'header names must be lower-case HTTP tokens (Envoy matches lower-cased names)',
      });
    }
    const condition: unknown = headers[name];
    const kinds = isJsonObject(condition)
      ? Object.keys(condition).filter((key) => condition[key] !== undefined)
      : [];
    const kind = kinds[0];
    if (kinds.length !== 1 || !MATCH_KINDS.some((allowed) => allowed === kind)) {
      issues.push({ path: name, message: 'must have exactly one of exact, prefix or regex' });
    } else if (
      !isJsonObject(condition) ||
      typeof condition[kind as string] !== 'string' ||
      condition[kind as string] === ''
    ) {
      issues.push({ path: `${name}.${kind}`, message: 'must be a non-empty string' });
    }
  }
  return issues;
}

/**
 * Switchyard's pre-release route for the target, or undefined when there is none. Throws
 * `RouteRefusedError` (`name-collision`) when a route has the name but is not ours.
 */
export function findPrereleaseRoute(
  virtualService: VirtualService,
  target: RouteTarget,
): FoundPrereleaseRoute | undefined {
  const context = routeContextOf(virtualService, target);
  const name = prereleaseRouteName(target.service);
  const http = Array.isArray(virtualService.spec.http) ? virtualService.spec.http : [];
  const found = http.flatMap((route, index) => (route.name === name ? [{ index, route }] : []));
  if (found.length === 0) return undefined;
  const foreign = found.find(({ route }) => !isOwnPrereleaseRoute(context, route));
  if (found.length > 1 || foreign !== undefined) {
    const culprit = foreign ?? found[1];
    throw new RouteRefusedError(
      'name-collision',
      context.ref,
      `${culprit ? routeLabel(culprit.route, culprit.index) : 'a route'} is named like switchyard's pre-release route but is not one switchyard wrote` +
        (found.length > 1
          ? ` (${found.length} routes have that name)`
          : ' (its fields or destination differ)'),
      `Rename or remove that route by hand; switchyard will not replace or delete a route it does not own.`,
    );
  }
  return found[0];
}

function prereleaseMatches(
  context: RouteContext,
  http: readonly HttpRoute[],
  set: ManagedRouteSet,
  headers: Readonly<Record<string, StringMatch>>,
): HttpMatchRequest[] {
  const matches: HttpMatchRequest[] = [];
  // The managed routes directly below the insertion point, up to the first unmanaged one:
  // requests matching any of them (and carrying the headers) are what the route captures.
  // A later managed route's conditions are left out: capturing its requests here would
  // also capture requests an unmanaged route in between is meant to serve.
  const managedIndices = new Set(set.routes.map((managed) => managed.index));
  for (let index = set.routes[0].index; managedIndices.has(index); index += 1) {
    const route = http[index] as HttpRoute;
    if (!Array.isArray(route.match) || route.match.length === 0) {
      matches.push({ headers: structuredClone({ ...headers }) });
      break;
    }
    for (const entry of route.match) {
      const existing = isJsonObject(entry.headers) ? entry.headers : {};
      const clash = Object.keys(headers).find((name) => Object.hasOwn(existing, name));
      if (clash !== undefined) {
        throw new UsageError(
          `${describeRef(context.ref)}: ${routeLabel(route, index)} already matches header "${clash}"; choose another pre-release header`,
        );
      }
      matches.push({
        ...structuredClone(entry),
        headers: { ...structuredClone(existing), ...structuredClone({ ...headers }) },
      });
    }
  }
  return matches;
}

/**
 * `virtualService` with switchyard's pre-release route sending requests that carry
 * `options.headers` to `options.slot` (rules in the module comment). Throws `UsageError` for
 * invalid headers and `RouteRefusedError` when the managed routes cannot be identified or a
 * route of that name exists that switchyard did not write.
 */
export function setPrereleaseRoute(
  virtualService: VirtualService,
  target: RouteTarget,
  options: PrereleaseRouteOptions,
): VirtualService {
  const issues = validateHeaderConditions(options.headers);
  if (issues.length > 0) {
    throw new UsageError(
      `invalid pre-release headers for ${target.service}: ${issues
        .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
        .join('; ')}`,
    );
  }
  const result = structuredClone(virtualService);
  const existing = findPrereleaseRoute(result, target);
  const set = findManagedRoutes(result, target);
  const context = routeContextOf(result, target);
  const http = result.spec.http ?? [];
  const first = set.routes[0].route;
  const entries = first.route ?? [];
  const template =
    entries.find((entry) => entry.destination.subset === set.subsets[options.slot])?.destination ??
    entries[0]?.destination;
  const route: HttpRoute = {
    name: prereleaseRouteName(target.service),
    match: prereleaseMatches(context, http, set, options.headers),
    route: [
      {
        destination: {
          host: template?.host ?? target.service,
          subset: set.subsets[options.slot],
          ...(isJsonObject(template?.port) ? { port: structuredClone(template.port) } : {}),
        },
        weight: 100,
      },
    ],
    ...(first.timeout !== undefined ? { timeout: structuredClone(first.timeout) } : {}),
    ...(first.retries !== undefined ? { retries: structuredClone(first.retries) } : {}),
  };
  if (existing !== undefined) {
    http[existing.index] = route;
  } else {
    http.splice(set.routes[0].index, 0, route);
  }
  result.spec.http = http;
  return result;
}

/**
 * `virtualService` without switchyard's pre-release route; unchanged (a copy) when it has
 * none. Throws `RouteRefusedError` when a route of that name is not one switchyard wrote.
 */
export function removePrereleaseRoute(
  virtualService: VirtualService,
  target: RouteTarget,
): VirtualService {
  const result = structuredClone(virtualService);
  const existing = findPrereleaseRoute(result, target);
  if (existing !== undefined) result.spec.http?.splice(existing.index, 1);
  return result;
}

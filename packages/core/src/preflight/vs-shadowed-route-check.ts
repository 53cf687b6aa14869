/**
 * `vs-shadowed-route`: no earlier http route catches every request the managed route would
 * get. Istio evaluates http routes in order and the first match wins, so a catch-all (or an
 * identical match) above the managed route means the weights switchyard sets are never used.
 *
 * An earlier route covers a later one when every `match` entry of the later one is covered
 * by some entry of the earlier one; an entry covers another when each of its conditions is
 * implied by the other's: the same value for the same key, or a `prefix` that the other's
 * `exact` or `prefix` starts with. No `match` (or a `uri: {prefix: "/"}` entry alone)
 * matches everything. Regexes are compared only for equality, so a shadowing regex can be
 * missed, never invented.
 */
import { isOwnPrereleaseRoute } from '../istio/own-prerelease-route.js';
import { routeContextOf, routeLabel as label } from '../istio/route-context.js';
import type { HttpMatchRequest, HttpRoute, StringMatch } from '../istio/types.js';
import type { Finding } from './finding.js';
import { virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import { routeTargetOf } from '../routing/virtual-service/virtual-service-backend.js';
import { managedRoutesOf } from './route-facts.js';

const ID = 'vs-shadowed-route';

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether string match `a` accepts every value `b` accepts. */
function stringCovers(a: StringMatch, b: StringMatch | undefined): boolean {
  if (b === undefined) return false;
  if (typeof a.prefix === 'string') {
    if (a.prefix === '') return true;
    const value = b.exact ?? b.prefix;
    return typeof value === 'string' && value.startsWith(a.prefix);
  }
  return sameJson(a, b);
}

/** A match entry with no condition besides a name or `uri: {prefix: "/"}`. */
function matchesEverything(entry: HttpMatchRequest): boolean {
  return Object.entries(entry).every(
    ([key, value]) =>
      key === 'name' ||
      (key === 'uri' && (value as StringMatch | undefined)?.prefix === '/') ||
      (key === 'uri' && (value as StringMatch | undefined)?.regex === '.*'),
  );
}

/** Whether match entry `a` accepts every request entry `b` accepts. */
function entryCovers(a: HttpMatchRequest, b: HttpMatchRequest): boolean {
  if (matchesEverything(a)) return true;
  for (const [key, condition] of Object.entries(a)) {
    if (key === 'name') continue;
    const other = b[key];
    if (key === 'uri' || key === 'scheme' || key === 'method' || key === 'authority') {
      if (key === 'uri' && (condition as StringMatch).prefix === '/') continue;
      if (!stringCovers(condition as StringMatch, other as StringMatch | undefined)) return false;
    } else if (key === 'headers' || key === 'queryParams') {
      const theirs = (other ?? {}) as Record<string, StringMatch>;
      for (const [name, match] of Object.entries(condition as Record<string, StringMatch>))
        if (!stringCovers(match, theirs[name])) return false;
    } else if (!sameJson(condition, other)) {
      return false;
    }
  }
  return true;
}

/** Whether `earlier` catches every request `later` would match. */
export function routeShadows(earlier: HttpRoute, later: HttpRoute): boolean {
  const earlierMatch = earlier.match ?? [];
  if (earlierMatch.length === 0) return true;
  const laterMatch = later.match ?? [];
  if (laterMatch.length === 0) return earlierMatch.some(matchesEverything);
  return laterMatch.every((entry) =>
    earlierMatch.some((candidate) => entryCovers(candidate, entry)),
  );
}

/** The check. */
export const vsShadowedRouteCheck: PreflightCheck = {
  id: ID,
  routeKinds: ['VirtualService'],
  severity: 'error',
  title: 'no earlier http route catches every request the managed route would get',
  needs: [],
  run(context) {
    const vs = context.virtualService;
    const managed = managedRoutesOf(context);
    if (!vs || !managed) return [];
    const http = vs.spec.http ?? [];
    const routeContext = routeContextOf(vs, routeTargetOf(context.spec));
    const findings: Finding[] = [];
    for (const { index, route } of managed.routes) {
      for (let j = 0; j < index; j++) {
        const earlier = http[j] as HttpRoute;
        if (isOwnPrereleaseRoute(routeContext, earlier)) continue;
        if (managed.routes.some((m) => m.index === j)) continue;
        if (!routeShadows(earlier, route)) continue;
        findings.push({
          id: ID,
          severity: 'error',
          object: virtualServiceRef(context),
          field: `spec.http[${j}].match`,
          message: `${label(earlier, j)} matches every request that ${label(route, index)} would, and comes first: the managed route is never reached, so the weights switchyard sets change nothing`,
          fix: `move ${label(route, index)} above ${label(earlier, j)}, or narrow ${label(earlier, j)}'s match`,
        });
        break;
      }
    }
    return findings;
  },
};

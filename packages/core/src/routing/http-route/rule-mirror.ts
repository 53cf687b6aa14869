/**
 * Mirroring a share of the managed rules' requests to a slot with a `RequestMirror` filter
 * (`percent`, Gateway API 1.2 and later; istiod renders it as the route's mirror policy):
 * the mirror's responses are discarded. switchyard's mirror is the `RequestMirror` whose
 * backendRef is a slot Service; a user's mirror elsewhere stays beside it (Gateway API allows
 * several, and istiod keeps them all). `percent` is an integer, so the share must be whole.
 */
import { UsageError } from '../../errors.js';
import type { Slot } from '../../istio/route-target.js';
import type { HttpRoute, HttpRouteFilter, HttpRouteRule } from './http-route-types.js';
import {
  findManagedRules,
  slotBackend,
  slotOfBackend,
  type HttpRouteTarget,
} from './managed-rules.js';
import { slotPort } from './rule-weights.js';

/** Whether a filter is switchyard's mirror (a RequestMirror to a slot Service). */
function isOwnMirror(target: HttpRouteTarget, filter: HttpRouteFilter): boolean {
  return (
    filter.type === 'RequestMirror' &&
    slotOfBackend(target, filter.requestMirror?.backendRef) !== undefined
  );
}

function withoutOwnMirror(target: HttpRouteTarget, rule: HttpRouteRule): void {
  if (!Array.isArray(rule.filters)) return;
  const kept = rule.filters.filter((filter) => !isOwnMirror(target, filter));
  if (kept.length === rule.filters.length) return;
  if (kept.length === 0) delete rule.filters;
  else rule.filters = kept;
}

/** Problems with a mirror share for an HTTPRoute; empty when it can be written. */
export function mirrorPercentProblem(percentage: number): string | undefined {
  if (!Number.isInteger(percentage) || percentage < 0 || percentage > 100)
    return `an HTTPRoute mirrors a whole percent (RequestMirror percent, 0..100), got ${String(percentage)}`;
  return undefined;
}

/**
 * `route` with every managed rule mirroring `percentage`% of its requests to `slot`'s
 * Service (its own mirror replaced). Throws `UsageError` for a share that is not a whole
 * percent.
 */
export function setRuleMirror(
  route: HttpRoute,
  target: HttpRouteTarget,
  options: { slot: Slot; percentage: number },
): HttpRoute {
  const problem = mirrorPercentProblem(options.percentage);
  if (problem !== undefined)
    throw new UsageError(`invalid mirror for ${target.service}: ${problem}`);
  const result = structuredClone(route);
  const rules = findManagedRules(result, target);
  for (const managed of rules) {
    withoutOwnMirror(target, managed.rule);
    const mirror: HttpRouteFilter = {
      type: 'RequestMirror',
      requestMirror: {
        backendRef: slotBackend(target, options.slot, slotPort(target, [managed], options.slot)),
        percent: options.percentage,
      },
    };
    managed.rule.filters = [...(managed.rule.filters ?? []), mirror];
  }
  return result;
}

/** `route` without switchyard's mirror on the managed rules; a user's mirror stays. */
export function removeRuleMirror(route: HttpRoute, target: HttpRouteTarget): HttpRoute {
  const result = structuredClone(route);
  for (const managed of findManagedRules(result, target)) withoutOwnMirror(target, managed.rule);
  return result;
}

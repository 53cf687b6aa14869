/**
 * Shadowing a share of the managed routes' traffic to the candidate slot (`mirror` and
 * `mirrorPercentage`): responses from the mirror are discarded, so a candidate can take
 * real requests before it takes users. A mirror is switchyard's when it points at the
 * service and a slot subset; a user's mirror elsewhere is never overwritten, and a route
 * using the newer `mirrors[]` list is refused (Istio rejects `mirror` next to it).
 */
import { RouteRefusedError, UsageError } from '../errors.js';
import { isJsonObject } from '../json-diff/json-value.js';
import { findManagedRoutes, type ManagedRoute } from './managed-routes.js';
import { isServiceDestination, routeContextOf, type RouteContext } from './route-context.js';
import { slotOfSubset, type RouteTarget, type Slot } from './route-target.js';
import type { VirtualService } from './types.js';

/** Which slot to mirror to, and how much. */
export interface MirrorOptions {
  /** The candidate slot that receives the copies. */
  slot: Slot;
  /** Share of requests copied, 0..100 (fractions allowed, as Istio's `mirrorPercentage`). */
  percentage: number;
}

function isOwnMirror(context: RouteContext, mirror: unknown): boolean {
  return (
    isServiceDestination(context, mirror) &&
    isJsonObject(mirror) &&
    slotOfSubset(context.subsets, mirror.subset) !== undefined
  );
}

function refuseForeignMirror(context: RouteContext, managed: ManagedRoute): void {
  const { mirror, mirrors } = managed.route;
  if (Array.isArray(mirrors) && mirrors.length > 0) {
    throw new RouteRefusedError(
      'foreign-destination',
      context.ref,
      `${managed.label} already mirrors with mirrors[] (${mirrors.length} destinations), which Istio does not allow next to mirror`,
      "Remove the route's mirrors while the release runs, or release without mirroring.",
    );
  }
  if (mirror !== undefined && !isOwnMirror(context, mirror)) {
    const where = isJsonObject(mirror)
      ? `${String(mirror.host)}${mirror.subset !== undefined ? ` subset "${String(mirror.subset)}"` : ''}`
      : 'an unreadable destination';
    throw new RouteRefusedError(
      'foreign-destination',
      context.ref,
      `${managed.label} already mirrors to ${where}, which is not a ${context.target.service} slot`,
      'Remove your mirror from the route while the release runs, or release without mirroring.',
    );
  }
}

/**
 * `virtualService` with every managed route mirroring `options.percentage`% of its requests
 * to the candidate slot (same host spelling and port as the route's destination). Throws
 * `UsageError` for a bad percentage, `RouteRefusedError` when a route mirrors elsewhere.
 */
export function setMirror(
  virtualService: VirtualService,
  target: RouteTarget,
  options: MirrorOptions,
): VirtualService {
  const percentage: unknown = options.percentage;
  if (
    typeof percentage !== 'number' ||
    !Number.isFinite(percentage) ||
    percentage < 0 ||
    percentage > 100
  ) {
    throw new UsageError(
      `invalid mirror percentage for ${target.service}: must be a number from 0 to 100, got ${String(percentage)}`,
    );
  }
  const result = structuredClone(virtualService);
  const context = routeContextOf(result, target);
  const set = findManagedRoutes(result, target);
  for (const managed of set.routes) refuseForeignMirror(context, managed);
  for (const managed of set.routes) {
    const template = managed.route.route?.[0]?.destination;
    managed.route.mirror = {
      host: template?.host ?? target.service,
      subset: set.subsets[options.slot],
      ...(isJsonObject(template?.port) ? { port: structuredClone(template.port) } : {}),
    };
    managed.route.mirrorPercentage = { value: percentage };
  }
  return result;
}

/**
 * `virtualService` without switchyard's mirror on the managed routes; a user's mirror to
 * another destination is left in place. A copy, unchanged, when nothing is mirrored.
 */
export function removeMirror(virtualService: VirtualService, target: RouteTarget): VirtualService {
  const result = structuredClone(virtualService);
  const context = routeContextOf(result, target);
  for (const managed of findManagedRoutes(result, target).routes) {
    if (managed.route.mirror !== undefined && isOwnMirror(context, managed.route.mirror)) {
      delete managed.route.mirror;
      delete managed.route.mirrorPercentage;
    }
  }
  return result;
}

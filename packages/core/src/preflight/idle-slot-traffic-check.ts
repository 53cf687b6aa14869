/**
 * `idle-slot-traffic` (doctor and deploy): no route of the user's sends requests to the idle
 * slot. deploy promises the candidate gets no user traffic, but the managed weights are only
 * one route: a header-match route to the idle subset, a mirror, a second VirtualService for
 * the host, a gateway-bound VirtualService routing to the Service without a subset (every
 * pod, both slots) all keep reaching the idle slot's pods, and the new image would serve
 * those users at once. Through an HTTPRoute the same holds for another rule of the managed
 * route (a header match, a RequestMirror filter to the idle slot's Service), another
 * HTTPRoute (on the Service or a Gateway) with a backendRef to the idle slot's Service or to
 * the service's own Service (which selects both slots' pods), and a VirtualService routing to
 * either. Every route of every VirtualService and HTTPRoute is looked at, whatever the kind
 * the release goes through (`route-reach.ts`, `http-route-reach.ts`); the idle slot is the one
 * the managed routes (or rules) give no weight.
 *
 * deploy refuses (an error) unless the spec opts in with `deploy.allowIdleSlotTraffic`
 * (`--allow-idle-slot-traffic`), which makes it a warning. A release sends traffic to the
 * candidate anyway, so `release` does not run it. When a kind of routing object cannot be
 * listed, one `not checked` finding says which.
 */
import { SLOTS, type Slot } from '../istio/route-target.js';
import { otherSlot } from '../release/state-record.js';
import { notCheckedFinding, type Finding } from './finding.js';
import { httpRouteRef, virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import type { PreflightContext } from './preflight-context.js';
import { liveWeightsOf } from './route-facts.js';
import { reachesSlot, type RouteReach } from './route-reach.js';
import { ROUTE_REACH_SOURCES } from './route-reach-sources.js';

const ID = 'idle-slot-traffic';

/** Where `reach` should send instead, for its fix: the active slot's subset or Service. */
function activeDestination(context: PreflightContext, reach: RouteReach, active: Slot): string {
  if (context.routeKind === 'HTTPRoute')
    return `its Service ${context.spec.target.slots[active].service}`;
  return reach.object.kind === 'VirtualService'
    ? 'its subset'
    : 'a Service that selects only its pods';
}

/** The check. */
export const idleSlotTrafficCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: "no route of the user's still sends requests to the idle slot deploy writes to",
  needs: ['virtualServices', 'httpRoutes'],
  run(context) {
    if (context.operation === 'release') return [];
    const weights = liveWeightsOf(context);
    if (!weights) return [];
    const idle = SLOTS.filter((slot) => weights[slot] === 0);
    if (idle.length !== 1) return [];
    const slot = idle[0] as (typeof idle)[number];
    const active = otherSlot(slot);
    const allowed = context.spec.deploy.allowIdleSlotTraffic;
    const findings: Finding[] = [];
    const unread: { objects: string; error: string }[] = [];
    for (const source of ROUTE_REACH_SOURCES) {
      const reaches = source.reaches(context);
      if (!reaches.ok) {
        unread.push({ objects: source.objects, error: reaches.error });
        continue;
      }
      for (const reach of reaches.value) {
        if (reach.own || !reachesSlot(context, reach, slot)) continue;
        const what =
          reach.how === 'mirror'
            ? 'mirrors copies of requests'
            : `sends requests (through ${reach.through})`;
        findings.push({
          id: ID,
          severity: allowed ? 'warning' : 'error',
          object: reach.object,
          field: reach.field,
          message:
            `${reach.route} ${what} to ${reach.destination}, which reaches the pods of the idle ${slot} slot: ` +
            `a deploy puts the candidate there and those users get it at once, before any release step` +
            (allowed ? ' (deploy.allowIdleSlotTraffic is set: deploying anyway)' : ''),
          fix: allowed
            ? 'nothing, if those users are meant to get the candidate'
            : `point ${reach.route} at the active ${active} slot (${activeDestination(context, reach, active)}) or remove it, or set deploy.allowIdleSlotTraffic (--allow-idle-slot-traffic) to deploy anyway`,
        });
      }
    }
    if (unread.length > 0)
      findings.push(
        notCheckedFinding(
          ID,
          context.routeKind === 'HTTPRoute' ? httpRouteRef(context) : virtualServiceRef(context),
          'which other routes reach the idle slot',
          unread.map((source) => `${source.objects}: ${source.error}`).join('; '),
          `grant list on ${unread.map((source) => source.objects).join(' and ')} in every namespace (deploy/rbac/preflight)`,
        ),
      );
    return findings;
  },
};

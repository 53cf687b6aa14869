/**
 * `idle-slot-traffic` (doctor and deploy): no route of the user's sends requests to the idle
 * slot. deploy promises the candidate gets no user traffic, but the managed weights are only
 * one route: a header-match route to the idle subset, a mirror, a second VirtualService for
 * the host, a gateway-bound VirtualService routing to the Service without a subset (every
 * pod, both slots) all keep reaching the idle slot's pods, and the new image would serve
 * those users at once. Every route of every routing object is looked at
 * (`route-reach.ts`); the idle slot is the one the managed routes give no weight.
 *
 * deploy refuses (an error) unless the spec opts in with `deploy.allowIdleSlotTraffic`
 * (`--allow-idle-slot-traffic`), which makes it a warning. A release sends traffic to the
 * candidate anyway, so `release` does not run it. It runs for VirtualService releases only:
 * route-reach.ts has no HTTPRoute source yet, so an HTTPRoute release gets no such check
 * rather than one that always passes.
 */
import { SLOTS } from '../istio/route-target.js';
import { notCheckedFinding, type Finding } from './finding.js';
import { virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import { liveWeightsOf } from './route-facts.js';
import { reachesSlot, ROUTE_REACH_SOURCES } from './route-reach.js';

const ID = 'idle-slot-traffic';

/** The check. */
export const idleSlotTrafficCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: "no route of the user's still sends requests to the idle slot deploy writes to",
  needs: ['virtualServices'],
  routeKinds: ['VirtualService'],
  run(context) {
    if (context.operation === 'release') return [];
    const weights = liveWeightsOf(context);
    if (!weights) return [];
    const idle = SLOTS.filter((slot) => weights[slot] === 0);
    if (idle.length !== 1) return [];
    const slot = idle[0] as (typeof idle)[number];
    const allowed = context.spec.deploy.allowIdleSlotTraffic;
    const findings: Finding[] = [];
    for (const source of ROUTE_REACH_SOURCES) {
      const reaches = source(context);
      if (!reaches.ok) {
        findings.push(
          notCheckedFinding(
            ID,
            virtualServiceRef(context),
            'which other routes reach the idle slot',
            reaches.error,
            'grant list on virtualservices in every namespace',
          ),
        );
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
            : `point ${reach.route} at the active slot's subset (or remove it), or set deploy.allowIdleSlotTraffic (--allow-idle-slot-traffic) to deploy anyway`,
        });
      }
    }
    return findings;
  },
};

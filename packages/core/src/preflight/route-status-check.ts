/**
 * `route-status`: istiod accepts the HTTPRoute as it is now: `Accepted` and `ResolvedRefs`
 * true for every parent at its current generation. A release waits for exactly that after
 * every write and stops at a refusal, so a route istiod already refuses (a rule naming a
 * missing Service, a parent that does not take it) cannot be released: said before anything
 * changes. A parent istiod has not reported on (yet, or ever: a Gateway of another
 * controller) would time every step out.
 */
import { acceptanceOf } from '../routing/http-route/route-status.js';
import type { Finding } from './finding.js';
import { httpRouteRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'route-status';

/** The check. */
export const routeStatusCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: 'istiod accepts the HTTPRoute now (Accepted and ResolvedRefs for every parent)',
  needs: [],
  routeKinds: ['HTTPRoute'],
  run(context) {
    if (context.routeKind !== 'HTTPRoute') return [];
    const route = context.httpRoute;
    if (!route) return [];
    const generation = route.metadata.generation ?? 0;
    const verdict = acceptanceOf(route, generation);
    const object = httpRouteRef(context);
    if (verdict.state === 'refused')
      return verdict.refused.map((parent): Finding => ({
        id: ID,
        severity: 'error',
        object,
        field: 'status.parents',
        message: `istiod does not accept it for ${parent.parent}: ${parent.condition ?? 'condition'} ${parent.reason ? `${parent.reason}: ` : ''}${parent.message ?? 'no message'}; every step would be refused`,
        fix: 'fix the route (or the objects it names) until istiod reports Accepted and ResolvedRefs True',
      }));
    if (verdict.state === 'pending')
      return [
        {
          id: ID,
          severity: 'warning',
          object,
          field: 'status.parents',
          message: `istiod has not reported on generation ${generation} for ${verdict.waiting.map((w) => w.parent).join(', ')}: if no controller of istiod owns the parent, every step would time out`,
          fix: 'check that the parent is the Service or a Gateway of class istio, and that istiod runs',
        },
      ];
    return [];
  },
};

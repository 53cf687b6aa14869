/**
 * `ambient-virtualservice`: a VirtualService applied by a waypoint is Alpha in Istio (ambient's
 * L7 routes are Gateway API HTTPRoutes); releasing through one there rests on a feature that
 * may change or go. A warning naming the HTTPRoute alternative.
 */
import { serviceRef, virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'ambient-virtualservice';

/** The check. */
export const ambientVirtualServiceCheck: PreflightCheck = {
  id: ID,
  severity: 'warning',
  title: 'in ambient, the release goes through an HTTPRoute, not a VirtualService (Alpha there)',
  needs: ['dataplane'],
  routeKinds: ['VirtualService'],
  run(context) {
    if (context.routeKind !== 'VirtualService' || !context.virtualService) return [];
    if (!context.dataplane.ok || context.dataplane.value.kind !== 'waypoint') return [];
    const { name } = context.dataplane.value.waypoint;
    return [
      {
        id: ID,
        severity: 'warning',
        object: virtualServiceRef(context),
        field: '',
        message: `the Service is in ambient, routed by waypoint ${name}: a VirtualService through a waypoint is Alpha in Istio`,
        fix: `release through an HTTPRoute with ${serviceRef(context).name} as parent and a Service per slot (target.kind: HTTPRoute; see examples/bookinfo-gateway-api)`,
      },
    ];
  },
};

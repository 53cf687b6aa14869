/**
 * `ambient-sidecar-callers`: in a mixed mesh, a caller with a sidecar of its own routes the
 * Service's requests by its sidecar's routes and does not pass through the waypoint. The
 * release gates on both kinds of proxy and counts what both report, but the waypoint's own
 * policies do not apply to those callers. A warning naming them.
 */
import { listSome, serviceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'ambient-sidecar-callers';

/** The check. */
export const ambientSidecarCallersCheck: PreflightCheck = {
  id: ID,
  severity: 'warning',
  title: 'in ambient, no caller with a sidecar routes around the waypoint',
  needs: ['dataplane'],
  run(context) {
    if (!context.dataplane.ok || context.dataplane.value.kind !== 'waypoint') return [];
    const { sidecarCallers, waypoint } = context.dataplane.value;
    if (sidecarCallers.length === 0) return [];
    return [
      {
        id: ID,
        severity: 'warning',
        object: serviceRef(context),
        field: '',
        message: `${listSome(sidecarCallers)} in ${context.spec.namespace} run a sidecar, which routes by its own routes and not through waypoint ${waypoint.name}: the release gates on their sidecars too, but the waypoint's policies do not apply to their requests`,
        fix: 'move those callers to ambient (drop their sidecar injection), or accept that they bypass the waypoint',
      },
    ];
  },
};

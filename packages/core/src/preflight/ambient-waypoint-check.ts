/**
 * `ambient-waypoint`: in ambient, L7 routes apply to mesh traffic only in a waypoint. A
 * Service whose pods are enrolled in ambient but which is bound to no waypoint has its mesh
 * traffic carried by ztunnel at L4: the route's weights would change nothing and the checks
 * would measure nothing. The waypoint it is bound to must exist as a Gateway of class
 * `istio-waypoint` serving Services, be Programmed, have an address and ready pods, or the
 * Service's traffic does not reach the waypoint's routes. A waypoint not Programmed but with
 * an address and ready pods is a warning, not an error: istiod recomputes `Programmed` only
 * when a Service changes, so its status may be stale while the waypoint serves.
 */
import type { Finding } from './finding.js';
import { notCheckedFinding } from './finding.js';
import { serviceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'ambient-waypoint';

/** The check. */
export const ambientWaypointCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title:
    'in ambient, the Service is bound to a waypoint that exists, is Programmed, has an address and ready pods',
  needs: ['dataplane'],
  run(context) {
    const fact = context.dataplane;
    if (!fact.ok)
      return [
        notCheckedFinding(
          ID,
          serviceRef(context),
          'the data-plane path (ambient, waypoint)',
          fact.error,
          'grant get on namespaces and on gateways.gateway.networking.k8s.io (deploy/rbac)',
        ),
      ];
    const path = fact.value;
    if (path.kind === 'sidecar') return [];
    if (path.kind === 'ztunnel')
      return [
        {
          id: ID,
          severity: 'error',
          object: serviceRef(context),
          field: 'metadata.labels',
          message: `its pods are in ambient but it is bound to no waypoint (${path.reason}): ztunnel carries its mesh traffic at L4 and no L7 route applies, so weights would change nothing and the checks would measure nothing`,
          fix: 'deploy a waypoint (istioctl waypoint apply --enroll-namespace) or label the Service istio.io/use-waypoint=<waypoint>',
        },
      ];
    const { namespace, name } = path.waypoint;
    const object = { kind: 'Gateway', namespace, name };
    return [
      ...path.problems.map((problem): Finding => ({
        id: ID,
        severity: 'error',
        object,
        field: '',
        message: `${problem}: the Service is bound to it (istio.io/use-waypoint), so its mesh traffic would not reach the route's rules`,
        fix: `deploy the waypoint (istioctl waypoint apply -n ${namespace} --name ${name}) and wait until it is Programmed with ready pods`,
      })),
      ...(path.warnings ?? []).map((warning): Finding => ({
        id: ID,
        severity: 'warning',
        object,
        field: 'status.conditions',
        message: `${warning}; its pods serve, so the release goes ahead`,
        fix: `refresh istiod's status of the Gateway by changing the waypoint's Service (kubectl -n ${namespace} label service ${name} switchyard.dev/status-refresh="$(date +%s)" --overwrite); if it stays not Programmed, read istiod's logs`,
      })),
    ];
  },
};

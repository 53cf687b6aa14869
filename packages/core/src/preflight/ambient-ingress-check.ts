/**
 * `ambient-ingress`: in ambient, a gateway sends to a Service's pods directly, past its
 * waypoint, unless the Service (or its namespace) has `istio.io/ingress-use-waypoint: "true"`.
 * An HTTPRoute on a Gateway that sends to the Service then splits ingress traffic by the
 * gateway's own routes, not the waypoint's: the release's weights do not apply to it.
 */
import { isGatewayParent } from '../routing/http-route/http-route-types.js';
import type { Finding } from './finding.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'ambient-ingress';
/** The label that sends a gateway's traffic for the Service through its waypoint. */
export const INGRESS_USE_WAYPOINT_LABEL = 'istio.io/ingress-use-waypoint';

/** The check. */
export const ambientIngressCheck: PreflightCheck = {
  id: ID,
  severity: 'warning',
  title: 'in ambient, ingress traffic to the Service goes through its waypoint',
  needs: ['dataplane', 'httpRoutes', 'namespace'],
  routeKinds: ['HTTPRoute'],
  run(context) {
    if (!context.dataplane.ok || context.dataplane.value.kind !== 'waypoint') return [];
    if (!context.httpRoutes.ok) return [];
    const namespace = context.namespace.ok ? context.namespace.value : undefined;
    const label = (labels: Record<string, string> | undefined) =>
      labels?.[INGRESS_USE_WAYPOINT_LABEL];
    if ((label(context.service?.metadata.labels) ?? label(namespace?.metadata.labels)) === 'true')
      return [];
    const { namespace: serviceNamespace, service } = context.spec;
    const slots = new Set([
      service,
      context.spec.target.slots.blue.service,
      context.spec.target.slots.green.service,
    ]);
    const ingress = context.httpRoutes.value.filter(
      (route) =>
        (route.spec.parentRefs ?? []).some(isGatewayParent) &&
        (route.spec.rules ?? []).some((rule) =>
          (rule.backendRefs ?? []).some(
            (ref) =>
              (ref.kind ?? 'Service') === 'Service' &&
              (ref.namespace ?? route.metadata.namespace) === serviceNamespace &&
              slots.has(ref.name),
          ),
        ),
    );
    return ingress.map((route): Finding => ({
      id: ID,
      severity: 'warning',
      object: {
        kind: 'HTTPRoute',
        namespace: route.metadata.namespace ?? '',
        name: route.metadata.name,
      },
      field: 'spec.parentRefs',
      message: `sends ingress traffic to ${service} through a Gateway, which bypasses the waypoint (no ${INGRESS_USE_WAYPOINT_LABEL}): that traffic is split by the gateway's routes, not by the release's weights`,
      fix: `label the Service ${INGRESS_USE_WAYPOINT_LABEL}=true, or release the ingress route itself`,
    }));
  },
};

/**
 * `gateway-address`: each Gateway the HTTPRoute has as parent exists and has an address.
 * Until its address is assigned (a LoadBalancer still pending: istiod reports it
 * `Programmed` False, `AddressNotAssigned`) no ingress request reaches it, so the ingress
 * share of the release carries no traffic and its checks have nothing to measure.
 */
import type { Finding } from './finding.js';
import { notCheckedFinding } from './finding.js';
import { httpRouteRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'gateway-address';

/** The check. */
export const gatewayAddressCheck: PreflightCheck = {
  id: ID,
  severity: 'warning',
  title: "the HTTPRoute's Gateways exist and are Programmed with an address",
  needs: ['routeGateways'],
  routeKinds: ['HTTPRoute'],
  run(context) {
    if (context.routeKind !== 'HTTPRoute') return [];
    if (!context.httpRoute) return [];
    const fact = context.routeGateways;
    if (!fact.ok)
      return [
        notCheckedFinding(
          ID,
          httpRouteRef(context),
          "the route's Gateways",
          fact.error,
          'grant get on gateways.gateway.networking.k8s.io cluster-wide (deploy/rbac/preflight)',
        ),
      ];
    const findings: Finding[] = [];
    for (const [key, gateway] of fact.value) {
      const [namespace = '', name = ''] = key.split('/');
      const object = { kind: 'Gateway', namespace, name };
      if (!gateway) {
        findings.push({
          id: ID,
          severity: 'error',
          object,
          field: '',
          message: `not found: the HTTPRoute names it as parent, so istiod does not accept the route for it and no ingress request reaches the service through it`,
          fix: 'create the Gateway, or fix spec.parentRefs',
        });
        continue;
      }
      const programmed = gateway.status?.conditions?.find((c) => c.type === 'Programmed');
      const addresses = gateway.status?.addresses ?? [];
      if (programmed?.status === 'True' && addresses.length > 0) continue;
      findings.push({
        id: ID,
        severity: 'warning',
        object,
        field: 'status',
        message:
          programmed && programmed.status !== 'True'
            ? `not Programmed (${programmed.reason ?? 'no reason'}: ${programmed.message ?? 'no message'}): no ingress traffic reaches it, so the release's ingress share is unmeasured`
            : "has no address yet: no ingress traffic reaches it, so the release's ingress share is unmeasured",
        fix: 'let the load balancer assign an address (or use a ClusterIP/NodePort Gateway Service: annotation networking.istio.io/service-type)',
      });
    }
    return findings;
  },
};

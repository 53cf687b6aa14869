/**
 * `route-host-conflict`: nothing else routes the HTTPRoute's mesh traffic. A VirtualService
 * for the parent Service's host (applying to the mesh) beside an HTTPRoute is, in Istio's
 * words, undefined behaviour: which one a sidecar follows is not specified, so the weights
 * may move nothing. Another HTTPRoute on the same Service parent is merged with this one by
 * istiod, rule by rule, and its rules compete with the managed rule.
 */
import { isServiceParent } from '../routing/http-route/http-route-types.js';
import { notCheckedFinding, type Finding } from './finding.js';
import { appliesToMesh } from './gateway-refs.js';
import { hostCovers, resolvedHosts } from './host-match.js';
import { objectRefOf } from '../kube/object-ref.js';
import { httpRouteRef, listSome } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'route-host-conflict';

/** The check. */
export const routeHostConflictCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: 'no VirtualService (nor other HTTPRoute) also routes the Service the HTTPRoute routes',
  needs: ['virtualServices', 'httpRoutes'],
  routeKinds: ['HTTPRoute'],
  run(context) {
    if (context.routeKind !== 'HTTPRoute') return [];
    const route = context.httpRoute;
    if (!route) return [];
    const namespace = context.spec.namespace;
    const parent = (route.spec.parentRefs ?? []).find(
      (p) => isServiceParent(p) && p.name === context.spec.service,
    );
    if (!parent) return [];
    const findings: Finding[] = [];
    if (!context.virtualServices.ok) {
      findings.push(
        notCheckedFinding(
          ID,
          httpRouteRef(context),
          'VirtualServices of other namespaces',
          context.virtualServices.error,
          'grant list on virtualservices cluster-wide (deploy/rbac/preflight)',
        ),
      );
    } else {
      for (const vs of context.virtualServices.value) {
        const hosts = resolvedHosts(vs.spec.hosts, vs.metadata.namespace ?? namespace);
        if (!appliesToMesh(vs) || !hosts.some((host) => hostCovers(host, context.host))) continue;
        findings.push({
          id: ID,
          severity: 'error',
          object: objectRefOf(vs, 'VirtualService'),
          field: 'spec.hosts',
          message: `routes ${context.host} for the mesh, as HTTPRoute ${namespace}/${route.metadata.name} does: Istio leaves which one a sidecar follows undefined, so the release's weights may move nothing`,
          fix: `remove ${context.host} from the VirtualService (or release through it: target.kind VirtualService)`,
        });
      }
    }
    if (!context.httpRoutes.ok) {
      findings.push(
        notCheckedFinding(
          ID,
          httpRouteRef(context),
          'other HTTPRoutes',
          context.httpRoutes.error,
          'grant list on httproutes cluster-wide (deploy/rbac/preflight)',
        ),
      );
      return findings;
    }
    const others = context.httpRoutes.value.filter(
      (other) =>
        !(other.metadata.namespace === namespace && other.metadata.name === route.metadata.name) &&
        (other.spec.parentRefs ?? []).some(
          (p) =>
            isServiceParent(p) &&
            p.name === context.spec.service &&
            (p.namespace ?? other.metadata.namespace) === namespace,
        ),
    );
    if (others.length > 0)
      findings.push({
        id: ID,
        severity: 'warning',
        object: httpRouteRef(context),
        field: 'spec.parentRefs',
        message: `HTTPRoute ${listSome(others.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`))} also attach to the Service ${context.spec.service}: istiod merges their rules with this route's, and a more specific one takes requests from the managed rule`,
        fix: 'route the service through one HTTPRoute, or check that the others match requests the managed rule does not',
      });
    return findings;
  },
};

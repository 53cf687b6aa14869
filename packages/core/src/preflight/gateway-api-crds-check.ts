/**
 * `gateway-api-crds`: the Gateway API CRDs are installed, serve `gateway.networking.k8s.io/v1`
 * and have the fields this release writes: a rule `name` (the pre-release header rule) and
 * a `RequestMirror` `percent` (mirror steps). The API server prunes a field its schema lacks
 * without a word, so a release on an older CRD would lose its header rule's name or mirror
 * every request.
 */
import { HTTP_ROUTE_CRD, schemaProblems } from '../routing/http-route/http-route-schema.js';
import type { HttpRouteField } from '../routing/http-route/http-route-schema.js';
import { notCheckedFinding } from './finding.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'gateway-api-crds';
const CRD_REF = { kind: 'CustomResourceDefinition', name: HTTP_ROUTE_CRD };

/** The check. */
export const gatewayApiCrdsCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title:
    'the Gateway API CRDs serve v1 and have the fields the release writes (rule names, mirror percent)',
  needs: ['httpRouteSchema'],
  routeKinds: ['HTTPRoute'],
  run(context) {
    if (context.routeKind !== 'HTTPRoute') return [];
    const fact = context.httpRouteSchema;
    if (!fact.ok)
      return [
        notCheckedFinding(
          ID,
          CRD_REF,
          'the installed HTTPRoute schema',
          fact.error,
          `grant get on customresourcedefinitions/${HTTP_ROUTE_CRD} (deploy/rbac)`,
        ),
      ];
    if (fact.value === undefined)
      return [
        {
          id: ID,
          severity: 'error',
          object: CRD_REF,
          field: '',
          message: 'not installed: the cluster does not serve HTTPRoutes',
          fix: 'install the Gateway API CRDs your istiod pins (standard channel)',
        },
      ];
    const needed: HttpRouteField[] = [];
    if (context.spec.deploy.preRelease) needed.push('ruleName');
    if (context.spec.strategy.steps.some((step) => 'mirror' in step)) needed.push('mirrorPercent');
    return schemaProblems(fact.value, needed).map((message) => ({
      id: ID,
      severity: 'error' as const,
      object: CRD_REF,
      field: 'spec.versions',
      message,
      fix: 'install the Gateway API CRDs your istiod pins (kubectl apply --server-side the standard channel of that release)',
    }));
  },
};

/**
 * `http-route-objects` (doctor only): through an HTTPRoute, the objects a release works on
 * exist (the Service, the HTTPRoute, a slot Deployment) and switchyard can manage the
 * route's rules. Deploy and release report these themselves (PreflightError,
 * RouteRefusedError), so only `doctor` runs it; the slot Services are `slot-services`'.
 */
import { describeRef, RouteRefusedError } from '../errors.js';
import { httpRouteTargetOf } from '../routing/http-route/http-route-backend.js';
import { readRuleWeights } from '../routing/http-route/rule-weights.js';
import type { Finding } from './finding.js';
import { deploymentRef, httpRouteRef, serviceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'http-route-objects';

/** The check. */
export const httpRouteObjectsCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title:
    'the Service, HTTPRoute and slot Deployments exist; the route has a parent and manageable rules',
  needs: [],
  doctorOnly: true,
  routeKinds: ['HTTPRoute'],
  run(context) {
    if (context.routeKind !== 'HTTPRoute') return [];
    const findings: Finding[] = [];
    const error = (object: Finding['object'], field: string, message: string, fix: string) =>
      findings.push({ id: ID, severity: 'error', object, field, message, fix });
    if (!context.service)
      error(serviceRef(context), '', 'not found', 'check the service name and namespace (-n)');
    if (!context.deployments.blue && !context.deployments.green)
      error(
        deploymentRef(context, 'blue'),
        '',
        `not found, and neither is ${context.spec.target.slots.green.deployment}: at least the active slot's Deployment must exist`,
        'create the slot Deployments (target.slots) or point the spec at yours',
      );
    const route = context.httpRoute;
    if (!route) {
      error(
        httpRouteRef(context),
        '',
        'not found: switchyard works on your own HTTPRoute',
        'create an HTTPRoute with a rule to the slot Services (see examples/bookinfo-gateway-api), or set target.httpRoute',
      );
      return findings;
    }
    if ((route.spec.parentRefs ?? []).length === 0)
      error(
        httpRouteRef(context),
        'spec.parentRefs',
        'the route has no parent, so it applies to no traffic',
        `add the Service ${context.spec.service} (mesh traffic) or a Gateway (ingress) as its parent`,
      );
    try {
      readRuleWeights(route, httpRouteTargetOf(context.spec));
    } catch (refusal) {
      if (!(refusal instanceof RouteRefusedError)) throw refusal;
      error(
        refusal.object,
        'spec.rules',
        refusal.message
          .replace(`${describeRef(refusal.object)}: `, '')
          .replace(`. ${refusal.hint}`, ''),
        refusal.hint,
      );
    }
    return findings;
  },
};

/**
 * `route-headers`: the headers the HTTPRoute relies on (the pre-release header and the
 * managed rules' header matches) reach it as the tester sent them. Envoy removes
 * `x-envoy-*` headers from requests entering at a gateway (they are Envoy's internal
 * controls), and proxies rewrite tracing and forwarding headers (`x-request-id`,
 * `x-forwarded-*`, `traceparent`, `x-b3-*`), so a rule matching one of them never matches
 * what the tester sent; and a managed match already testing a pre-release header leaves no
 * room for the header rule (deploy refuses it).
 */
import { RouteRefusedError } from '../errors.js';
import { httpRouteTargetOf } from '../routing/http-route/http-route-backend.js';
import { isGatewayParent, type HttpRoute } from '../routing/http-route/http-route-types.js';
import {
  findManagedRules,
  type HttpRouteTarget,
  type ManagedRule,
} from '../routing/http-route/managed-rules.js';
import type { Finding } from './finding.js';
import { httpRouteRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import { reliedHeadersOf } from './relied-headers.js';

const ID = 'route-headers';

/** Headers proxies rewrite or drop on the way, with why. */
const REWRITTEN: readonly { test: (name: string) => boolean; why: string }[] = [
  {
    test: (name) => name.startsWith('x-envoy-'),
    why: 'Envoy removes x-envoy-* headers from requests entering at a gateway',
  },
  {
    test: (name) =>
      ['x-request-id', 'traceparent', 'tracestate', 'b3'].includes(name) ||
      name.startsWith('x-b3-'),
    why: 'proxies set tracing headers themselves',
  },
  {
    test: (name) => name.startsWith('x-forwarded-') || name === 'host' || name.startsWith(':'),
    why: 'proxies rewrite forwarding headers and the authority',
  },
];

/** The managed rules, or none when they cannot be identified (http-route-objects says why). */
function managedRulesOf(route: HttpRoute, target: HttpRouteTarget): readonly ManagedRule[] {
  try {
    return findManagedRules(route, target);
  } catch (error) {
    if (error instanceof RouteRefusedError) return [];
    throw error;
  }
}

/** The check. */
export const routeHeadersCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title:
    'the headers the HTTPRoute relies on are not rewritten by proxies nor matched by the managed rule',
  needs: [],
  routeKinds: ['HTTPRoute'],
  run(context) {
    if (context.routeKind !== 'HTTPRoute') return [];
    const route = context.httpRoute;
    if (!route) return [];
    const findings: Finding[] = [];
    const ingress = (route.spec.parentRefs ?? []).some(isGatewayParent);
    const preRelease = Object.keys(context.spec.deploy.preRelease?.headers ?? {});
    for (const header of reliedHeadersOf(context)) {
      const rewritten = REWRITTEN.find((r) => r.test(header.name));
      if (!rewritten) continue;
      const fromSpec = header.where.startsWith('deploy.');
      const stripped = header.name.startsWith('x-envoy-');
      findings.push({
        id: ID,
        severity: stripped && !ingress ? 'warning' : 'error',
        object: fromSpec
          ? { kind: 'ReleaseSpec', name: context.spec.service }
          : httpRouteRef(context),
        field: header.where,
        message: `relies on header ${header.name}, but ${rewritten.why}: requests ${stripped && !ingress ? 'from outside the mesh ' : ''}never carry it as sent`,
        fix: `match a header of your own instead (x-release, say)`,
      });
    }
    for (const { rule, index } of managedRulesOf(route, httpRouteTargetOf(context.spec))) {
      (rule.matches ?? []).forEach((match, m) => {
        for (const header of match.headers ?? []) {
          if (!preRelease.includes(header.name.toLowerCase())) continue;
          findings.push({
            id: ID,
            severity: 'error',
            object: httpRouteRef(context),
            field: `spec.rules[${index}].matches[${m}].headers.${header.name}`,
            message: `the managed rule already matches the pre-release header ${header.name}: the pre-release rule adds it to the managed rule's matches, and a match cannot test one header twice`,
            fix: 'choose another pre-release header (deploy.preRelease.headers)',
          });
        }
      });
    }
    return findings;
  },
};

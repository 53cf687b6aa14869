/**
 * The route reaches of HTTPRoutes (see `route-reach.ts`): every backendRef and RequestMirror
 * filter, in the managed HTTPRoute and in those of every namespace the reader can list, that
 * names a Service of the service's namespace preflight read (the slot Services, the
 * service's own Service, which selects both slots' pods). Their pods are what the Service
 * selects; the parents say who sends through the route (a Service parent: the callers'
 * sidecars; a Gateway: its routers). A route without parents applies to no traffic, nor does
 * one every parent's controller reports not `Accepted` (its status).
 *
 * What sends nothing, as istiod renders it (pilot's `buildHTTPDestination`): a backendRef of
 * weight 0 (the default is 1), a mirror of `percent` 0 or `fraction` 0, a backendRef that is
 * not a Service, or one of another namespace (a Service selects pods of its own namespace
 * only). A route of another namespace to the service counts whether or not a ReferenceGrant
 * allows it (those are not read). Every other rule counts, whatever its matches: a rule with conditions takes the
 * requests that match them ahead of the managed rule (Gateway API precedence), and one as
 * general as the managed rule is not proven shadowed by it, so it counts too.
 *
 * switchyard's own, through an HTTPRoute release: the managed rules' slot backendRefs, its
 * pre-release header rule, and the RequestMirror to a slot on a managed rule while the
 * record says a release mirrors.
 */
import { RouteRefusedError } from '../errors.js';
import { objectRefOf } from '../kube/object-ref.js';
import { httpRouteTargetOf } from '../routing/http-route/http-route-backend.js';
import {
  isGatewayParent,
  isServiceParent,
  type BackendObjectReference,
  type HttpRoute,
  type HttpRouteFilter,
} from '../routing/http-route/http-route-types.js';
import {
  findManagedRules,
  isOwnHeaderRule,
  ruleLabel,
  slotOfBackend,
  type HttpRouteTarget,
} from '../routing/http-route/managed-rules.js';
import type { Fact, PreflightContext } from './preflight-context.js';
import {
  namespaceServiceSelectors,
  releaseMirrors,
  type RouteReach,
  type RouteReachSource,
} from './route-reach.js';

/** Who sends through `route`: `sidecars` (a Service parent), `Gateway <ns>/<name>`. */
function describeParents(route: HttpRoute, namespace: string): string {
  const names = new Set<string>();
  for (const parent of route.spec.parentRefs ?? []) {
    if (isServiceParent(parent)) names.add('sidecars');
    else if (isGatewayParent(parent))
      names.add(`Gateway ${parent.namespace ?? namespace}/${parent.name}`);
  }
  return [...names].join(', ');
}

/** Whether every parent's controller reports the route not `Accepted` (it routes nothing). */
function refusedByEveryParent(route: HttpRoute): boolean {
  const parents = route.status?.parents ?? [];
  return (
    parents.length > 0 &&
    parents.every((parent) =>
      (parent.conditions ?? []).some(
        (condition) => condition.type === 'Accepted' && condition.status === 'False',
      ),
    )
  );
}

/** Whether a RequestMirror copies any request (`percent` or `fraction`; 100% when unset). */
function mirrorCarries(mirror: NonNullable<HttpRouteFilter['requestMirror']>): boolean {
  if (typeof mirror.percent === 'number') return mirror.percent > 0;
  if (mirror.fraction !== undefined) return mirror.fraction.numerator > 0;
  return true;
}

/** The HTTPRoutes to look at: the managed one as read, then every other one. */
function httpRoutesOf(
  context: PreflightContext,
  managed: HttpRoute | undefined,
): Fact<readonly HttpRoute[]> {
  if (!context.httpRoutes.ok) return context.httpRoutes;
  const others = context.httpRoutes.value.filter(
    (route) =>
      !managed ||
      route.metadata.name !== managed.metadata.name ||
      (route.metadata.namespace ?? context.spec.namespace) !==
        (managed.metadata.namespace ?? context.spec.namespace),
  );
  return { ok: true, value: managed ? [managed, ...others] : others };
}

/** The indices of the managed rules; none when they cannot be identified. */
function managedRuleIndices(route: HttpRoute, target: HttpRouteTarget): Set<number> {
  try {
    return new Set(findManagedRules(route, target).map((rule) => rule.index));
  } catch (error) {
    if (error instanceof RouteRefusedError) return new Set();
    throw error;
  }
}

/** Every backendRef and mirror of every HTTPRoute that sends to the service's pods. */
export const httpRouteReaches: RouteReachSource = (context) => {
  const managed = context.routeKind === 'HTTPRoute' ? context.httpRoute : undefined;
  const all = httpRoutesOf(context, managed);
  if (!all.ok) return all;
  const target = httpRouteTargetOf(context.spec);
  const selectors = namespaceServiceSelectors(context);
  const reaches: RouteReach[] = [];
  for (const route of all.value) {
    const namespace = route.metadata.namespace ?? context.spec.namespace;
    const through = describeParents(route, namespace);
    if (through === '' || refusedByEveryParent(route)) continue;
    const isManaged = route === managed;
    const managedRules = isManaged ? managedRuleIndices(route, target) : new Set<number>();
    const mirrorIsOwn = isManaged && releaseMirrors(route);
    const reach = (
      backend: BackendObjectReference,
      found: Pick<RouteReach, 'field' | 'route' | 'how' | 'own'>,
    ): void => {
      if ((backend.group ?? '') !== '' || (backend.kind ?? 'Service') !== 'Service') return;
      if ((backend.namespace ?? namespace) !== context.spec.namespace) return;
      const selector = selectors.get(backend.name);
      if (selector === undefined) return;
      reaches.push({
        ...found,
        object: objectRefOf(route, 'HTTPRoute'),
        destination: `Service ${backend.name}`,
        through,
        podLabels: [selector],
      });
    };
    (route.spec.rules ?? []).forEach((rule, ruleIndex) => {
      const label = ruleLabel(rule, ruleIndex);
      const ownRule = managedRules.has(ruleIndex);
      const ownHeader = isManaged && isOwnHeaderRule(target, rule);
      (rule.backendRefs ?? []).forEach((backend, backendIndex) => {
        if ((backend.weight ?? 1) <= 0) return;
        reach(backend, {
          field: `spec.rules[${ruleIndex}].backendRefs[${backendIndex}]`,
          route: label,
          how: 'route',
          own: ownHeader || (ownRule && slotOfBackend(target, backend) !== undefined),
        });
      });
      (rule.filters ?? []).forEach((filter, filterIndex) => {
        const mirror = filter.type === 'RequestMirror' ? filter.requestMirror : undefined;
        if (!mirror || !mirrorCarries(mirror)) return;
        reach(mirror.backendRef, {
          field: `spec.rules[${ruleIndex}].filters[${filterIndex}].requestMirror.backendRef`,
          route: label,
          how: 'mirror',
          own: mirrorIsOwn && ownRule && slotOfBackend(target, mirror.backendRef) !== undefined,
        });
      });
    });
  }
  return { ok: true, value: reaches };
};

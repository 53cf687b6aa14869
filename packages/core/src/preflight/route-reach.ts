/**
 * Which routes send users' requests to the service's pods, and so to which slot: every
 * route entry and mirror, in every routing object that names a Service of the service's pods,
 * as data that does not depend on the kind of routing object. A route reaches a slot when the
 * slot's pods (its Deployment's template labels) carry every label the route's destination
 * selects: the Service's selector and, through a DestinationRule subset, the subset's labels.
 * A destination without a subset reaches every pod of the Service: through the service's own
 * Service (`reviews`), both slots.
 *
 * The Services looked at are those preflight read in the service's namespace: the service's
 * own and, through an HTTPRoute, the slot Services (`reviews-blue`, `reviews-green`) and the
 * others the managed route names (`namespaceServiceSelectors`). A route to any other Service
 * is not counted.
 *
 * One source per kind of routing object, in `ROUTE_REACH_SOURCES` (`route-reach-sources.ts`):
 * VirtualServices here (the managed one and those of every namespace: other routes of the
 * managed one, a second VirtualService for the host, gateway-bound ones, delegates), and
 * HTTPRoutes in `http-route-reach.ts` (their backendRefs and RequestMirror filters).
 *
 * switchyard's own routes (the managed routes' weighted entries, its pre-release route, the
 * mirror of a release's mirror step) are marked `own`: they reach a slot on purpose. Only the
 * routing object the release goes through has own routes.
 */
import type { ObjectRef } from '../errors.js';
import { resolveHost } from '../istio/host-name.js';
import { isOwnPrereleaseRoute } from '../istio/own-prerelease-route.js';
import { routeContextOf } from '../istio/route-context.js';
import { routeDestinationsOf, routeOfDestination } from '../istio/route-destinations.js';
import { slotOfSubset, type Slot } from '../istio/route-target.js';
import type { Subset, VirtualService } from '../istio/types.js';
import { recordOf } from '../release/recorded-routes.js';
import { routeTargetOf } from '../routing/virtual-service/virtual-service-backend.js';
import { gatewayRefsOf } from './gateway-refs.js';
import { matchesLabels } from '../kube/label-selector.js';
import { templateLabels } from './mesh-refs.js';
import type { Fact, PreflightContext } from './preflight-context.js';
import { managedRoutesOf } from './route-facts.js';
import type { KubeObject } from '../kube/kube-types.js';
import { objectRefOf } from '../kube/object-ref.js';

/** One route entry or mirror that sends requests to pods of the service. */
export interface RouteReach {
  /** The routing object. */
  readonly object: ObjectRef;
  /** The field of the destination, e.g. `spec.http[0].route[0].destination`. */
  readonly field: string;
  /** How messages name the route: `http[0] "jason"`. */
  readonly route: string;
  /** `route`: users' requests; `mirror`: copies of them (the responses are discarded). */
  readonly how: 'route' | 'mirror';
  /** The destination as written, for messages: `reviews subset "green"`. */
  readonly destination: string;
  /** Who sends through it, for messages: `sidecars`, `Gateway bookinfo/bookinfo-gateway`. */
  readonly through: string;
  /**
   * The label maps a pod must all carry to receive it (the Service's selector, the subset's
   * labels); undefined when the subset is defined nowhere, so no pod receives it.
   */
  readonly podLabels: readonly Readonly<Record<string, string>>[] | undefined;
  /** switchyard's own route (managed weights, pre-release route, a release's mirror). */
  readonly own: boolean;
}

/** The reaches one kind of routing object contributes, or why they could not be read. */
export type RouteReachSource = (context: PreflightContext) => Fact<RouteReach[]>;

/** Whether `reach` sends requests to the pods of `slot`. */
export function reachesSlot(context: PreflightContext, reach: RouteReach, slot: Slot): boolean {
  const deployment = context.deployments[slot];
  if (!deployment || !reach.podLabels) return false;
  const labels = templateLabels(deployment);
  return reach.podLabels.every((selector) => matchesLabels(labels, selector));
}

function describeThrough(virtualService: VirtualService): string {
  const names = gatewayRefsOf(virtualService).map((ref) =>
    ref.key === 'mesh' ? 'sidecars' : `Gateway ${ref.key}`,
  );
  return names.join(', ');
}

/**
 * The selector of each Service of the service's namespace preflight read, by name (see the
 * module comment): the service's own (`{}` when it is missing: the subset alone decides) and
 * the HTTPRoute's backend Services that exist and select pods (a Service without a selector
 * has no pods of ours behind it).
 */
export function namespaceServiceSelectors(
  context: PreflightContext,
): Map<string, Readonly<Record<string, string>>> {
  const selectors = new Map<string, Readonly<Record<string, string>>>();
  for (const [name, service] of context.backendServices) {
    const selector = service?.spec?.selector;
    if (selector && Object.keys(selector).length > 0) selectors.set(name, selector);
  }
  selectors.set(context.spec.service, context.service?.spec?.selector ?? {});
  return selectors;
}

/**
 * The subsets defined for `host`: the managed DestinationRule's for the service's own host,
 * else those of the DestinationRules of every namespace; undefined when those were not read.
 */
function subsetsOf(context: PreflightContext, host: string): readonly Subset[] | undefined {
  if (host === context.host) return context.destinationRule?.spec.subsets ?? [];
  if (!context.destinationRules.ok) return undefined;
  const rule = context.destinationRules.value.find(
    (dr) => resolveHost(dr.spec.host, dr.metadata.namespace ?? context.spec.namespace) === host,
  );
  return rule?.spec.subsets ?? [];
}

/** The VirtualServices to look at: the managed one as read, then every other one. */
function virtualServicesOf(
  context: PreflightContext,
  managed: VirtualService | undefined,
): Fact<VirtualService[]> {
  if (!context.virtualServices.ok) return context.virtualServices;
  const others = context.virtualServices.value.filter(
    (vs) =>
      !managed ||
      vs.metadata.name !== managed.metadata.name ||
      vs.metadata.namespace !== managed.metadata.namespace,
  );
  return { ok: true, value: managed ? [managed, ...others] : others };
}

/** Whether the managed routing object's record says a release's mirror step is on. */
export function releaseMirrors(routing: KubeObject): boolean {
  try {
    return (recordOf(routing)?.mirrorPercent ?? 0) > 0;
  } catch {
    return false;
  }
}

/** Every route entry and mirror of every VirtualService that sends to the service's pods. */
export const virtualServiceReaches: RouteReachSource = (context) => {
  // Through an HTTPRoute no VirtualService is managed: every route in one is the user's.
  const managed = context.routeKind === 'VirtualService' ? context.virtualService : undefined;
  const all = virtualServicesOf(context, managed);
  if (!all.ok) return all;
  const target = routeTargetOf(context.spec);
  const managedRoutes = new Set(
    managed ? managedRoutesOf(context)?.routes.map((route) => route.index) : [],
  );
  const selectors = new Map(
    [...namespaceServiceSelectors(context)].map(([name, selector]) => [
      resolveHost(name, context.spec.namespace),
      selector,
    ]),
  );
  const reaches: RouteReach[] = [];
  for (const vs of all.value) {
    const namespace = vs.metadata.namespace ?? context.spec.namespace;
    const isManaged = vs === managed;
    const routeContext = routeContextOf(vs, target);
    const mirrorIsOwn = isManaged && releaseMirrors(vs);
    for (const found of routeDestinationsOf(vs.spec)) {
      const { destination } = found;
      const host = resolveHost(destination.host, namespace);
      const selector = selectors.get(host);
      if (!found.carries || selector === undefined) continue;
      const route = vs.spec.http?.[found.routeIndex];
      const managedHttp = isManaged && found.routeKind === 'http';
      // Ours: a managed route's weighted entries, our pre-release route, a release's mirror.
      const own =
        managedHttp &&
        (found.how === 'route'
          ? managedRoutes.has(found.routeIndex) ||
            (route !== undefined && isOwnPrereleaseRoute(routeContext, route))
          : mirrorIsOwn &&
            managedRoutes.has(found.routeIndex) &&
            slotOfSubset(routeContext.subsets, destination.subset) !== undefined);
      const subset = destination.subset;
      // A subset of another host whose DestinationRules were not read: its Service's pods.
      const subsets = subsetsOf(context, host);
      const subsetLabels =
        subset === undefined || subsets === undefined
          ? {}
          : subsets.find((entry) => entry.name === subset)?.labels;
      reaches.push({
        object: objectRefOf(vs, 'VirtualService'),
        field: found.path,
        route: routeOfDestination(vs.spec, found),
        how: found.how,
        destination: `${destination.host}${subset === undefined ? ' (no subset: every pod)' : ` subset "${subset}"`}`,
        through: describeThrough(vs),
        podLabels: subsetLabels === undefined ? undefined : [selector, subsetLabels],
        own,
      });
    }
  }
  return { ok: true, value: reaches };
};

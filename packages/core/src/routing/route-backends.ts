/**
 * Which route backend a service is released through: the spec's `target.kind`, or what the
 * library entry detected (`decideRouteBackendKind`). Adding a kind of routing object is a
 * folder beside `virtual-service/` and `http-route/` implementing `RouteBackendKind`, an
 * entry in {@link ROUTE_BACKEND_KINDS}, and its part of the detection; nothing in the engine
 * changes.
 */
import { KubeApiError, SpecError, UsageError } from '../errors.js';
import { resolveHost } from '../istio/host-name.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { RouteBackendKindName } from '../spec/sections/target.js';
import type { RouteBackend, RouteBackendKind, RoutingApis } from './route-backend.js';
import { HTTP_ROUTE_BACKEND, httpRouteTargetOf } from './http-route/http-route-backend.js';
import { isServiceParent } from './http-route/http-route-types.js';
import { slotOfBackend } from './http-route/managed-rules.js';
import { VIRTUAL_SERVICE_BACKEND } from './virtual-service/virtual-service-backend.js';

/** Every kind of routing object switchyard can release through. */
export const ROUTE_BACKEND_KINDS: readonly RouteBackendKind[] = [
  VIRTUAL_SERVICE_BACKEND,
  HTTP_ROUTE_BACKEND,
];

/**
 * The kind of routing object `spec`'s service is released through: `target.kind` (the
 * schema allows only the kinds listed), a VirtualService when it is undecided (callers
 * that did not run `decideRouteBackendKind`).
 */
export function routeBackendKindOf(spec: ResolvedReleaseSpec): RouteBackendKind {
  const kind = spec.target.kind ?? VIRTUAL_SERVICE_BACKEND.kind;
  const found = ROUTE_BACKEND_KINDS.find((candidate) => candidate.kind === kind);
  if (!found) throw new UsageError(`target.kind ${kind}: not a kind switchyard releases through`);
  return found;
}

/** The route backend of `spec`'s service. No I/O. */
export function routeBackendFor(spec: ResolvedReleaseSpec, kube: RoutingApis): RouteBackend {
  return routeBackendKindOf(spec).create(spec, kube);
}

/** The reads `decideRouteBackendKind` makes. */
export type KindDetectionApis = Pick<RoutingApis, 'virtualServices' | 'httpRoutes'>;

/** The object, or undefined when it is missing, its kind not served, or not readable to us. */
async function readIfAllowed<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof KubeApiError && (error.statusCode === 403 || error.statusCode === 404))
      return undefined;
    throw error;
  }
}

/**
 * `spec` with `target.kind` decided, when the spec leaves it open: an HTTPRoute when the
 * HTTPRoute `target.httpRoute` routes the service (a backendRef to a slot Service, or the
 * Service as parent) and the VirtualService `target.virtualService` does not (no http route
 * to the service host), or when only the HTTPRoute exists (its reads then say why it does
 * not route the service); a VirtualService otherwise. When neither exists the kind stays
 * undecided and the VirtualService backend's read names both. Both routing the service is
 * refused (SpecError,
 * `target.kind`): Istio leaves the behaviour of a VirtualService and an HTTPRoute for the
 * same host undefined. An HTTPRoute that cannot be read (forbidden, Gateway API not
 * installed) does not route it.
 */
export async function decideRouteBackendKind(
  spec: ResolvedReleaseSpec,
  kube: KindDetectionApis,
  signal?: AbortSignal,
): Promise<ResolvedReleaseSpec> {
  if (spec.target.kind !== undefined) return spec;
  const { namespace, target } = spec;
  const [virtualService, httpRoute] = await Promise.all([
    readIfAllowed(() => kube.virtualServices.get(namespace, target.virtualService, { signal })),
    readIfAllowed(() => kube.httpRoutes.get(namespace, target.httpRoute, { signal })),
  ]);
  const host = resolveHost(target.host, namespace);
  const viaVirtualService =
    virtualService !== undefined &&
    (virtualService.spec.http ?? []).some((route) =>
      (route.route ?? []).some((entry) => resolveHost(entry.destination.host, namespace) === host),
    );
  const routeTarget = httpRouteTargetOf(spec);
  const viaHttpRoute =
    httpRoute !== undefined &&
    ((httpRoute.spec.rules ?? []).some((rule) =>
      (rule.backendRefs ?? []).some((backend) => slotOfBackend(routeTarget, backend) !== undefined),
    ) ||
      (httpRoute.spec.parentRefs ?? []).some(
        (parent) => isServiceParent(parent) && parent.name === spec.service,
      ));
  if (viaVirtualService && viaHttpRoute) {
    throw new SpecError([
      {
        path: 'target.kind',
        message:
          `both VirtualService ${namespace}/${target.virtualService} and HTTPRoute ${namespace}/${target.httpRoute} route ${spec.service} ` +
          "(Istio's behaviour with both is undefined): remove one, or set target.kind to VirtualService or HTTPRoute",
      },
    ]);
  }
  // Neither exists: left undecided, so the VirtualService backend (the default) names both.
  if (!viaHttpRoute && virtualService === undefined && httpRoute === undefined) return spec;
  const kind: RouteBackendKindName =
    viaHttpRoute || (!viaVirtualService && virtualService === undefined)
      ? 'HTTPRoute'
      : 'VirtualService';
  return Object.freeze({ ...spec, target: Object.freeze({ ...spec.target, kind }) });
}

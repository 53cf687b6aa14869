/**
 * Which route backend a service is released through. Adding a kind of routing object is a
 * folder beside `virtual-service/` implementing `RouteBackendKind`, an entry in
 * {@link ROUTE_BACKEND_KINDS}, and the choice below; nothing in the engine changes.
 */
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { RouteBackend, RouteBackendKind, RoutingApis } from './route-backend.js';
import { VIRTUAL_SERVICE_BACKEND } from './virtual-service/virtual-service-backend.js';

/** Every kind of routing object switchyard can release through. */
export const ROUTE_BACKEND_KINDS: readonly RouteBackendKind[] = [VIRTUAL_SERVICE_BACKEND];

/** The kind of routing object `spec`'s service is released through. */
export function routeBackendKindOf(_spec: ResolvedReleaseSpec): RouteBackendKind {
  // The spec names only a VirtualService today (`target.virtualService`). A second kind
  // adds `target.kind` to the spec, and this becomes the lookup of that kind in
  // ROUTE_BACKEND_KINDS (refusing an unknown one as a SpecError).
  return VIRTUAL_SERVICE_BACKEND;
}

/** The route backend of `spec`'s service. No I/O. */
export function routeBackendFor(spec: ResolvedReleaseSpec, kube: RoutingApis): RouteBackend {
  return routeBackendKindOf(spec).create(spec, kube);
}

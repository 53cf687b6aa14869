/**
 * A change to the managed routes as data: what the engine asks of any route backend in one
 * write (a release step's weights, a mirror, the header route, a rollback's all three).
 * Applying it composes the backend's pure surgery, so the engine never touches a routing
 * object itself.
 */
import type { SlotWeights } from '../istio/slot-weights.js';
import type { KubeObject } from '../kube/kube-types.js';
import type { HeaderRoute, Mirror, RouteBackend } from './route-backend.js';

/** What changes on the managed routes; a field left undefined stays as it is. */
export interface RouteEdit {
  /** Slot weights on every managed route. */
  readonly weights?: SlotWeights | undefined;
  /** switchyard's mirror: set to a slot and share, or removed. */
  readonly mirror?: Mirror | 'remove' | undefined;
  /** switchyard's pre-release header route: set to a slot, or removed. */
  readonly headerRoute?: HeaderRoute | 'remove' | undefined;
}

/**
 * `object` with `edit` applied by `backend`'s surgery: weights, then mirror, then header
 * route (they touch different fields, so the order does not change the result). Pure.
 */
export function applyRouteEdit(
  backend: RouteBackend,
  object: KubeObject,
  edit: RouteEdit,
): KubeObject {
  let next = object;
  if (edit.weights) next = backend.setWeights(next, edit.weights);
  if (edit.mirror === 'remove') next = backend.removeMirror(next);
  else if (edit.mirror) next = backend.setMirror(next, edit.mirror);
  if (edit.headerRoute === 'remove') next = backend.removeHeaderRoute(next);
  else if (edit.headerRoute) next = backend.setHeaderRoute(next, edit.headerRoute);
  return next;
}

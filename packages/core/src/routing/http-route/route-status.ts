/**
 * Whether istiod accepted an HTTPRoute at a generation: for every parent of `spec.parentRefs`
 * a status entry (`status.parents[]`, written by the controller, istiod's
 * `istio.io/gateway-controller`) whose `Accepted` and `ResolvedRefs` conditions were observed
 * at that generation or later and are `True`. istiod reports a missing backend Service as
 * `ResolvedRefs` False (`BackendNotFound`) and a parent it cannot bind as `Accepted` False,
 * each with a message; it reports nothing at all for a route no controller of it owns. The
 * judgement is pure; `awaitRouteAccepted` polls it.
 */
import { RouteNotAcceptedError, type RouteParentVerdict } from '../../errors.js';
import { objectRefOf } from '../../kube/object-ref.js';
import type { AcceptanceWait } from '../route-backend.js';
import {
  GATEWAY_API_GROUP,
  isServiceParent,
  type HttpRoute,
  type ParentReference,
  type RouteParentStatus,
} from './http-route-types.js';

/** The conditions that must be true for every parent. */
const REQUIRED = ['Accepted', 'ResolvedRefs'] as const;

/** `Service bookinfo/reviews:9080`, `Gateway bookinfo/ingress (listener http)`. */
export function describeParent(parent: ParentReference, routeNamespace: string): string {
  const kind = parent.kind ?? 'Gateway';
  const where = `${parent.namespace ?? routeNamespace}/${parent.name}`;
  const port = parent.port !== undefined ? `:${parent.port}` : '';
  const section = parent.sectionName !== undefined ? ` (listener ${parent.sectionName})` : '';
  return `${kind} ${where}${port}${section}`;
}

function parentKey(parent: ParentReference, routeNamespace: string): string {
  const group = parent.group ?? (isServiceParent(parent) ? '' : GATEWAY_API_GROUP);
  return JSON.stringify([
    group,
    parent.kind ?? 'Gateway',
    parent.namespace ?? routeNamespace,
    parent.name,
    parent.sectionName ?? '',
    parent.port ?? 0,
  ]);
}

/** What istiod says about one generation of a route. */
export type AcceptanceVerdict =
  | { readonly state: 'accepted' }
  | {
      /** Some parent has no status for the generation yet. */
      readonly state: 'pending';
      /** The parents still waited for. */
      readonly waiting: readonly RouteParentVerdict[];
    }
  | {
      /** A parent's `Accepted` or `ResolvedRefs` is not True at the generation. */
      readonly state: 'refused';
      /** The parents that refused it, with the controller's reason and message. */
      readonly refused: readonly RouteParentVerdict[];
    };

/** The verdict on `route` (as read) for `generation` (see the module comment). Pure. */
export function acceptanceOf(route: HttpRoute, generation: number): AcceptanceVerdict {
  const namespace = route.metadata.namespace ?? '';
  const statuses: readonly RouteParentStatus[] = route.status?.parents ?? [];
  const waiting: RouteParentVerdict[] = [];
  const refused: RouteParentVerdict[] = [];
  for (const parent of route.spec.parentRefs ?? []) {
    const key = parentKey(parent, namespace);
    const name = describeParent(parent, namespace);
    const current = statuses.filter(
      (status) =>
        parentKey(status.parentRef, namespace) === key &&
        REQUIRED.every((type) =>
          (status.conditions ?? []).some(
            (c) => c.type === type && (c.observedGeneration ?? 0) >= generation,
          ),
        ),
    );
    if (current.length === 0) {
      waiting.push({ parent: name });
      continue;
    }
    for (const status of current) {
      for (const type of REQUIRED) {
        const condition = (status.conditions ?? []).find((c) => c.type === type);
        if (condition && condition.status !== 'True') {
          refused.push({
            parent: name,
            condition: type,
            reason: condition.reason,
            message: condition.message,
          });
        }
      }
    }
  }
  if (refused.length > 0) return { state: 'refused', refused };
  if (waiting.length > 0) return { state: 'pending', waiting };
  return { state: 'accepted' };
}

/**
 * Reads the route (through `read`) until istiod accepted `written`'s generation. Throws
 * RouteNotAcceptedError at once on a refusal, and after `options.timeoutMs` without a
 * verdict. A refusal whatever its cause: a route istiod does not fully accept (a backend
 * gone since the last step, a user's rule naming a missing Service) is no state to move
 * traffic in; preflight (`route-status`) refuses to start from one.
 */
export async function awaitRouteAccepted(
  read: (signal: AbortSignal | undefined) => Promise<HttpRoute | undefined>,
  written: HttpRoute,
  options: AcceptanceWait,
): Promise<void> {
  const generation = written.metadata.generation ?? 0;
  const object = objectRefOf(written);
  const { clock, signal } = options;
  const deadline = clock.now() + options.timeoutMs;
  let current: HttpRoute | undefined = written;
  for (;;) {
    const verdict: AcceptanceVerdict = current
      ? acceptanceOf(current, generation)
      : { state: 'pending', waiting: [] };
    if (verdict.state === 'accepted') return;
    if (verdict.state === 'refused')
      throw new RouteNotAcceptedError({
        object,
        generation,
        parents: verdict.refused,
        timedOut: false,
      });
    if (clock.now() >= deadline)
      throw new RouteNotAcceptedError({
        object,
        generation,
        parents: verdict.waiting,
        timedOut: true,
        timeoutMs: options.timeoutMs,
      });
    await clock.sleep(
      Math.min(options.pollIntervalMs, Math.max(0, deadline - clock.now())),
      signal,
    );
    current = await read(signal);
  }
}

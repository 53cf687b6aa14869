/**
 * Applying a route change and waiting for it: snapshot the proxies, write the routes and
 * the record together, wait for every proxy to ack, verify the data plane. Used by deploy
 * (the pre-release route, the DestinationRule subsets) and by every release step.
 */
import type { VirtualService } from '../istio/types.js';
import type { OperationContext } from './operation-context.js';
import { isoTime } from './clock.js';
import { verifyDataplane, waitForProxySync } from './proxy-sync.js';
import { commitChange, emitRoutesApplied } from './record-commit.js';
import type { ReleaseRecord } from './state-record.js';

/** One route change on the VirtualService and the record describing it. */
export interface RouteChange {
  /** What changes, for events and messages (`weights blue 80 / green 20`). */
  what: string;
  /** New routes from the current VirtualService. */
  routes: (virtualService: VirtualService) => VirtualService;
  /** New record from the current one. */
  record: (record: ReleaseRecord) => ReleaseRecord;
}

/**
 * One gated route change: snapshot, write routes + record together (stamping the record's
 * operation with the time of the change, for a resumed run to re-gate), wait for sync,
 * verify the data plane. When the routes were already as wanted nothing is gated. A sync
 * or data-plane failure goes to `ifUnconfirmed` when given (a release rolls back), and is
 * thrown otherwise.
 */
export async function applyRouteChange(
  context: OperationContext,
  change: RouteChange,
  ifUnconfirmed?: (error: unknown) => Promise<void>,
): Promise<void> {
  const snapshot = await context.clients.syncGate.snapshot(context.signal);
  const result = await commitChange(context, {
    routes: change.routes,
    record: (r) => {
      const next = change.record(r);
      return next.operation
        ? {
            ...next,
            operation: { ...next.operation, changeAt: isoTime(context.clock.now()) },
          }
        : next;
    },
  });
  if (!result.routesChanged) return;
  emitRoutesApplied(context, result.description, result.resourceVersion, result.record.weights);
  try {
    await waitForProxySync(context, snapshot, change.what);
    await verifyDataplane(context);
  } catch (error) {
    if (!ifUnconfirmed) throw error;
    await ifUnconfirmed(error);
  }
}

/** A gated change outside the VirtualService (the DestinationRule): snapshot, apply, wait. */
export async function applySyncedChange(
  context: OperationContext,
  what: string,
  apply: () => Promise<void>,
): Promise<void> {
  const snapshot = await context.clients.syncGate.snapshot(context.signal);
  await apply();
  await waitForProxySync(context, snapshot, what);
}

/**
 * The gated change: the one way an operation changes what users' requests do. Snapshot what
 * every proxy has, write the route change and the record describing it in one pinned patch
 * (through the route backend), wait until the control plane accepted it (an HTTPRoute's
 * status) and every proxy in the backend's scope acked it, and prove it from Envoy's
 * config_dump when the spec asks. Deploy (the header route, the slot
 * destinations), every release step, finalize and the verified rollback go through here;
 * what a failure means is decided in `failure-policy.ts`, not by the callers.
 *
 * Writing the record alone (a step index, a phase) goes through `commitRecord`, so every
 * write of the routing object is stamped with the lock holder and the time the same way.
 */
import type { KubeObject } from '../kube/kube-types.js';
import type { SlotDestinations } from '../routing/route-backend.js';
import type { RouteEdit } from '../routing/route-edit.js';
import { isoTime } from './clock.js';
import type { OperationContext } from './operation-context.js';
import type { CommitResult } from './recorded-routes.js';
import type { ReleasePhase, ReleaseRecord } from './state-record.js';
import type { DataplaneExpectation } from '../gates/dataplane-verifier.js';
import type { SyncSnapshot } from '../gates/sync-gate.js';

/** One route change on the routing object and the record describing it. */
export interface GatedChange {
  /** What changes, for events and messages (`weights blue 80 / green 20`). */
  what: string;
  /** The change to the managed routes. */
  routes: RouteEdit;
  /** New record from the current one. */
  record: (record: ReleaseRecord) => ReleaseRecord;
  /** Called once the write was accepted, before the wait (a rollback records when). */
  afterWrite?: ((result: CommitResult) => void) | undefined;
  /**
   * Whether to prove the change from Envoy's config_dump (`sync.verifyDataplane`); default
   * true. A rollback is confirmed by the sync gate alone, so it never waits on a verifier.
   */
  verifyDataplane?: boolean | undefined;
}

/**
 * Applies one gated change: snapshot, write routes + record together (stamping the
 * record's operation with the time of the change, for a resumed run to re-gate), wait for
 * every proxy, verify the data plane. When the routes were already as wanted nothing is
 * gated. Throws what went wrong, as it is; the caller hands it to the failure policy.
 */
export async function applyGatedChange(
  context: OperationContext,
  change: GatedChange,
): Promise<CommitResult> {
  const snapshot = await context.clients.syncGate.snapshot(context.signal);
  const result = await commitRecord(context, {
    routes: change.routes,
    record: (r) => {
      const next = change.record(r);
      return next.operation
        ? { ...next, operation: { ...next.operation, changeAt: isoTime(context.clock.now()) } }
        : next;
    },
  });
  change.afterWrite?.(result);
  if (!result.routesChanged) return result;
  context.log.emit({
    type: 'routes-applied',
    object: context.routes.ref,
    description: result.description,
    resourceVersion: result.resourceVersion,
    weights: result.record.weights,
  });
  await awaitAccepted(context, result.object);
  await waitForProxySync(context, snapshot, change.what, true);
  if (change.verifyDataplane !== false) await verifyDataplane(context);
  return result;
}

/**
 * Writes what deploy needs outside the routing object for the slots to be routable (the
 * DestinationRule subsets), then waits for every proxy: routes may only name them after.
 */
export async function applyGatedSlotDestinations(
  context: OperationContext,
  destinations: SlotDestinations,
): Promise<void> {
  const snapshot = await context.clients.syncGate.snapshot(context.signal);
  for (const change of destinations.changes) {
    const written = await change.write({ signal: context.signal });
    context.log.emit({
      type: 'routes-applied',
      object: change.object,
      description: change.description,
      resourceVersion: written.resourceVersion,
    });
  }
  await waitForProxySync(context, snapshot, destinations.what, false);
}

/**
 * After a crash: the routes the record says were applied may never have been confirmed.
 * Re-runs the sync gate for the last change (no new push will come, so by time).
 */
export async function regateAfterInterruption(context: OperationContext): Promise<void> {
  const changeAt = context.routes.record.operation?.changeAt;
  if (changeAt === undefined) return;
  const snapshot = context.clients.syncGate.since(Date.parse(changeAt));
  await awaitAccepted(context, context.routes.object);
  await waitForProxySync(context, snapshot, 'routes applied before the interruption', true);
}

/**
 * Waits until the control plane accepted the routing object as written (the backend says
 * how: istiod's route status for an HTTPRoute, nothing for a VirtualService); a refusal
 * throws RouteNotAcceptedError before any proxy is waited for.
 */
async function awaitAccepted(context: OperationContext, written: KubeObject): Promise<void> {
  const { spec } = context;
  await context.objects.backend.awaitAccepted(written, {
    timeoutMs: spec.sync.timeoutMs,
    pollIntervalMs: spec.sync.pollIntervalMs,
    clock: context.clock,
    signal: context.signal,
  });
}

/** A write of the record alone, or with a route change that needs no gate. */
export interface RecordChange {
  /** What changes on the managed routes; undefined: the routes stay. */
  routes?: RouteEdit | undefined;
  /** New record from the current one. */
  record: (record: ReleaseRecord) => ReleaseRecord;
  /**
   * Write even when the managed routes were changed by someone else: only for recording
   * the failure that edit caused. Every other write pins the routes as last seen.
   */
  unpinned?: boolean | undefined;
}

/** Commits through the recorded routes, stamping holder and time. */
export function commitRecord(
  context: OperationContext,
  change: RecordChange,
): Promise<CommitResult> {
  return context.routes.commit(
    {
      routes: change.routes,
      record: (r) => ({ ...change.record(r), holder: context.holder }),
      now: context.clock.now(),
      unpinned: change.unpinned,
    },
    { signal: context.signal },
  );
}

/** Emits `phase-changed` when the phase did change. */
export function emitPhaseChange(
  context: OperationContext,
  previous: ReleasePhase | undefined,
  phase: ReleasePhase,
): void {
  if (previous !== phase) context.log.emit({ type: 'phase-changed', phase, previous });
}

/**
 * Waits for every proxy in the backend's scope to ack the change made after `snapshot`.
 * `carried`: the change is the record's routes, so the gate requires pushes that carry them
 * (`gates/push-fence.ts`); the slot destinations (DestinationRule subsets) have no route to
 * show, and are gated on acked pushes after the snapshot alone.
 */
async function waitForProxySync(
  context: OperationContext,
  snapshot: SyncSnapshot,
  reason: string,
  carried: boolean,
): Promise<void> {
  const { log } = context;
  log.emit({ type: 'sync-started', reason });
  const report = await context.clients.syncGate.waitForSync(snapshot, {
    scope: context.objects.backend.proxyScope(context.routes.object),
    expectation: carried ? routesExpectation(context) : undefined,
    timeoutMs: context.spec.sync.timeoutMs,
    signal: context.signal,
    onProgress: (progress) =>
      log.emit({
        type: 'sync-progress',
        synced: progress.synced,
        total: progress.total,
        elapsedMs: progress.elapsedMs,
        slowest: progress.pending.slice(0, 5),
      }),
  });
  if (report.total === 0) {
    log.emit({
      type: 'warning',
      message:
        'no proxies in the sync scope: nothing to wait for (check sync.scope and sidecar injection)',
    });
  }
  log.emit({
    type: 'sync-completed',
    synced: report.synced,
    total: report.total,
    durationMs: report.completedAt - report.startedAt,
  });
}

/**
 * Checks `spec.sync.verifyDataplane` proxies' config_dump against what the record says the
 * routes do (the backend says how that looks in Envoy); throws DataplaneMismatchError.
 * Does nothing when not enabled.
 */
async function verifyDataplane(context: OperationContext): Promise<void> {
  const count = context.spec.sync.verifyDataplane;
  const verifier = context.clients.dataplane;
  if (count <= 0 || !verifier) return;
  const proxies = await verifier.verify(routesExpectation(context), {
    count,
    scope: context.objects.backend.proxyScope(context.routes.object),
    signal: context.signal,
  });
  context.log.emit({ type: 'dataplane-verified', proxies });
}

/** What the record's routes look like in Envoy (the backend says how). */
function routesExpectation(context: OperationContext): DataplaneExpectation {
  const { backend, service } = context.objects;
  const { object, record } = context.routes;
  return backend.dataplaneExpectation(
    object,
    { weights: record.weights, headerRouteTo: record.headerRoute ? context.candidate : undefined },
    service,
  );
}

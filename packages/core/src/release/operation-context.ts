/**
 * The one module that builds an operation's context. Every operation that changes
 * something runs its body inside `withOperationContext`, which takes the Lease lock, reads
 * everything again under it, reconciles the release record with the live routes, and hands
 * the body one small context: the spec, the clients, the lock, the objects read (with the
 * route backend), the routing object with its state record, the event sink and the clock. When the body ends, however it ends, the lock
 * is released and the events are flushed.
 *
 * Before the lock, operations go through `read-before-lock.ts`; see there for where checks
 * that must pass before the lock belong.
 */
import { randomUUID } from 'node:crypto';
import { LockLostError } from '../errors.js';
import type { CheckResult } from '../gates/metrics-provider.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { Clock } from './clock.js';
import { LeaseLock, type LockHandle } from './lease-lock.js';
import type { OperationLog } from './operation-log.js';
import type { OperationClients, OperationDependencies } from './operation-dependencies.js';
import { reconcileRecord } from './reconcile-record.js';
import { RecordedRoutes } from './recorded-routes.js';
import type { OperationKind, OperationSummary } from './release-events.js';
import { readReleaseObjects, type ReleaseObjects } from './release-objects.js';
import { SequentialChecks } from './sequential-checks.js';
import { isInProgress, otherSlot, type ReleaseRecord, type Slot } from './state-record.js';

/** The two slots as an operation sees them. */
export interface SlotRoles {
  /** Slot that had the traffic when the release started: where a rollback returns to. */
  stable: Slot;
  /** Slot of the candidate. */
  candidate: Slot;
}

/** Everything one running operation works with. Built only by `withOperationContext`. */
export interface OperationContext extends Readonly<SlotRoles> {
  /** The operation. */
  readonly kind: OperationKind;
  /** Its id; a resumed release keeps the id it started with. */
  readonly id: string;
  /** The resolved spec. */
  readonly spec: ResolvedReleaseSpec;
  /** Kubernetes, the sync gate, the data-plane verifier, the metric checks. */
  readonly clients: OperationClients;
  /** Time. */
  readonly clock: Clock;
  /** Identity holding the lock; every record written is stamped with it. */
  readonly holder: string;
  /** The held Lease lock. */
  readonly lock: LockHandle;
  /** Aborts on the caller's signal and when the lock is lost. */
  readonly signal: AbortSignal;
  /** What was read under the lock: the route backend and routing objects, the Service, both Deployments. */
  readonly objects: ReleaseObjects;
  /** The routing object with the state record it carries; every write goes through it. */
  readonly routes: RecordedRoutes;
  /** The event sink: the caller's listener, the timeline, Kubernetes Events. */
  readonly log: OperationLog;
  /** True when this run picks up a release an earlier run left in progress. */
  readonly resumed: boolean;
  /** The latest check results, for the summary and the record. */
  checks: CheckResult[];
  /**
   * The release's sequential checks: their tests resumed from the record of a release in
   * progress, their counter reads in memory for this run.
   */
  readonly sequential: SequentialChecks;
}

/** How `withOperationContext` starts an operation. */
export interface OperationStart {
  /** The operation. */
  kind: OperationKind;
  /** Its event sink, created before the preflight reads (it times the operation). */
  log: OperationLog;
  /** The caller's abort signal. */
  signal: AbortSignal | undefined;
  /**
   * Which slot is stable and which the candidate; called once the operation has started.
   * Default: the active slot is stable, the recorded candidate (or the other slot) is not.
   */
  slots?:
    | ((
        objects: ReleaseObjects,
        record: ReleaseRecord,
        signal: AbortSignal,
      ) => Promise<SlotRoles> | SlotRoles)
    | undefined;
}

/** Takes the lock, re-reads everything, builds the context, runs `body`, releases the lock. */
export async function withOperationContext(
  spec: ResolvedReleaseSpec,
  deps: OperationDependencies,
  start: OperationStart,
  body: (context: OperationContext) => Promise<OperationSummary>,
): Promise<OperationSummary> {
  const { kind, log } = start;
  const holder = spec.lock.holderIdentity ?? deps.holderIdentity;
  const lock = await new LeaseLock({
    api: deps.kube.leases,
    clock: deps.clock,
    namespace: spec.namespace,
    service: spec.service,
    holderIdentity: holder,
    leaseDurationMs: spec.lock.leaseDurationMs,
  }).acquire();
  try {
    const signal = start.signal ? AbortSignal.any([start.signal, lock.signal]) : lock.signal;
    const objects = await readReleaseObjects(deps.kube, spec, signal);
    const record = reconcileRecord(spec, deps, objects, kind);
    const routing = objects.routing.object;
    log.attachTo({
      apiVersion: routing.apiVersion,
      kind: routing.kind,
      metadata: {
        name: routing.metadata.name,
        namespace: routing.metadata.namespace,
        uid: routing.metadata.uid,
      },
    });
    const id =
      kind === 'release' && record.operation?.kind === 'release'
        ? record.operation.id
        : (deps.newOperationId?.() ?? randomUUID().slice(0, 8));
    const resumed = kind === 'release' && isInProgress(record.phase);
    log.emit({
      type: 'operation-started',
      operation: kind,
      id,
      service: spec.service,
      namespace: spec.namespace,
      resumed,
    });
    const slots = start.slots
      ? await start.slots(objects, record, signal)
      : {
          stable: record.activeSlot,
          candidate: record.candidateSlot ?? otherSlot(record.activeSlot),
        };
    return await body({
      kind,
      id,
      spec,
      clients: {
        kube: deps.kube,
        syncGate: deps.syncGate,
        dataplane: deps.dataplane,
        metrics: deps.metrics,
      },
      clock: deps.clock,
      holder,
      lock,
      signal,
      objects,
      routes: new RecordedRoutes({ backend: objects.backend, object: routing, record }),
      log,
      resumed,
      stable: slots.stable,
      candidate: slots.candidate,
      checks: [],
      sequential: new SequentialChecks(
        spec.checks,
        record.operation?.kind === 'release' && isInProgress(record.phase)
          ? record.operation.sequential
          : undefined,
        (name) =>
          log.emit({
            type: 'warning',
            message: `sequential check ${name} starts again: its test's settings changed since the run that started it (its evidence so far is dropped)`,
          }),
      ),
    });
  } catch (error) {
    throw lockLostOr(error, lock);
  } finally {
    await lock.release();
    await log.flush();
  }
}

/** An abort caused by losing the lock surfaces as the LockLostError itself. */
function lockLostOr(error: unknown, lock: LockHandle): unknown {
  if (lock.signal.aborted && lock.signal.reason instanceof LockLostError) return lock.signal.reason;
  return error;
}

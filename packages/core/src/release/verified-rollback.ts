/**
 * The verified rollback every operation falls back on: all traffic to the stable slot,
 * mirror off, the pre-release route removed when asked (or after a finished release), in
 * one write with the record, then the same proxy sync gate as any change. It never returns
 * normally: a verified rollback throws ReleaseRolledBackError carrying the summary; one that
 * could not be verified records phase `failed` with the exact route state and throws
 * RollbackUnverifiedError, for a human.
 */
import {
  DataplaneMismatchError,
  LockLostError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  ConfigRejectedError,
  SyncTimeoutError,
  describeRef,
  type CheckEvidence,
  type RollbackReason,
  type UnsyncedProxy,
} from '../errors.js';
import { removeMirror } from '../istio/candidate-mirror.js';
import { removePrereleaseRoute } from '../istio/prerelease-route.js';
import { readSlotWeights, setSlotWeights } from '../istio/slot-weights.js';
import { checkSummariesOf } from './bake-checks.js';
import { isoTime } from './clock.js';
import { describeWeights } from './describe-event.js';
import type { OperationContext } from './operation-context.js';
import { finishOperation } from './operation-summary.js';
import { waitForProxySync } from './proxy-sync.js';
import { commitChange, emitPhaseChange, emitRoutesApplied } from './record-commit.js';
import type { RollbackSummary } from './release-events.js';
import { weightsFor, withHistory, type SlotWeights } from './state-record.js';

/** What led to a rollback, for the summary and the error. */
export interface RollbackDetails {
  /** Failing check results. */
  evidence?: readonly CheckEvidence[] | undefined;
  /** Proxies that did not ack a change. */
  stale?: readonly UnsyncedProxy[] | undefined;
  /** When the failure streak began (ms since epoch); default now. */
  firstFailureAt?: number | undefined;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * Rolls back to `context.stable` and verifies it. Throws ReleaseRolledBackError when every
 * proxy acked the stable routes, RollbackUnverifiedError when not.
 */
export async function rollBackVerified(
  context: OperationContext,
  reason: RollbackReason,
  message: string,
  details: RollbackDetails,
): Promise<never> {
  const { clock, spec, service } = context;
  const firstFailureAt = details.firstFailureAt ?? clock.now();
  const target = weightsFor(context.stable, 100);
  const previousPhase = context.state.record.phase;
  context.log.emit({ type: 'rollback-started', reason, message });
  const removeHeader = spec.rollback.removeHeaderRoute || previousPhase === 'released';
  const rollback: RollbackSummary = {
    reason,
    message,
    firstFailureAt: isoTime(firstFailureAt),
    restoredAt: undefined,
    timeToRestoreMs: undefined,
    evidence: details.evidence ?? [],
    staleProxies: details.stale ?? [],
    verified: false,
  };
  const released = previousPhase === 'released';
  let acceptedAt: number | undefined;
  try {
    const snapshot = await context.clients.syncGate.snapshot(context.signal);
    const result = await commitChange(context, {
      routes: (vs) => {
        let next = setSlotWeights(vs, service.target, target);
        next = removeMirror(next, service.target);
        return removeHeader ? removePrereleaseRoute(next, service.target) : next;
      },
      record: (r) => ({
        ...r,
        phase: 'rolling-back',
        weights: target,
        mirrorPercent: 0,
        headerRoute: removeHeader ? false : r.headerRoute,
        reason: message,
        ...(released ? { activeSlot: context.stable, candidateSlot: context.candidate } : {}),
        operation: {
          ...(r.operation ?? {
            kind: 'rollback',
            id: context.id,
            startedAt: isoTime(context.log.startedAt),
            stepIndex: 0,
          }),
          stage: 'syncing',
          changeAt: isoTime(clock.now()),
        },
      }),
    });
    acceptedAt = clock.now();
    if (previousPhase !== 'rolling-back') emitPhaseChange(context, previousPhase, 'rolling-back');
    if (result.routesChanged) {
      emitRoutesApplied(context, result.description, result.resourceVersion, target);
      await waitForProxySync(context, snapshot, 'rollback to the stable routes');
    }
  } catch (error) {
    if (
      error instanceof LockLostError ||
      (context.signal.aborted && context.signal.reason === error)
    )
      throw error;
    return recordUnverified(context, rollback, error, acceptedAt, target);
  }
  const restoredAt = clock.now();
  rollback.restoredAt = isoTime(restoredAt);
  rollback.timeToRestoreMs = restoredAt - firstFailureAt;
  rollback.verified = true;
  await commitChange(context, {
    record: (r) =>
      withHistory(
        {
          ...r,
          phase: 'rolled-back',
          operation: undefined,
          lastChecks: checkSummariesOf(context.checks),
          routeState: undefined,
        },
        {
          id: r.operation?.id ?? context.id,
          fromSlot: context.stable,
          toSlot: context.candidate,
          image: r.images[context.candidate],
          outcome: 'rolled-back',
          reason: message,
          startedAt: r.operation?.startedAt ?? isoTime(context.log.startedAt),
          endedAt: isoTime(restoredAt),
        },
      ),
  });
  context.log.emit({
    type: 'rollback-completed',
    verified: true,
    timeToRestoreMs: rollback.timeToRestoreMs,
  });
  emitPhaseChange(context, 'rolling-back', 'rolled-back');
  const summary = await finishOperation(
    context,
    'rolled-back',
    `rolled back to ${context.stable} (${reason}): ${message}`,
    rollback,
  );
  throw new ReleaseRolledBackError(
    reason,
    `rolled back ${spec.service} to ${context.stable}: ${message}`,
    summary,
    {
      cause: details.cause,
    },
  );
}

/**
 * What a release step does when its route change was not confirmed: a sync timeout or a
 * data-plane mismatch rolls back (verified); anything else is thrown as is.
 */
export function rollBackUnconfirmed(
  context: OperationContext,
  what: string,
): (error: unknown) => Promise<void> {
  return async (error) => {
    if (context.state.record.phase === 'rolled-back') throw error;
    if (error instanceof SyncTimeoutError) {
      return rollBackVerified(
        context,
        'sync-timeout',
        `proxies did not ack ${what} within ${(error.timeoutMs / 1000).toFixed(0)}s`,
        {
          stale: error.unsynced,
          cause: error,
        },
      );
    }
    if (error instanceof DataplaneMismatchError) {
      return rollBackVerified(context, 'dataplane-mismatch', error.message, { cause: error });
    }
    throw error;
  };
}

/** Records phase `failed` with the exact route state, then throws RollbackUnverifiedError. */
async function recordUnverified(
  context: OperationContext,
  rollback: RollbackSummary,
  error: unknown,
  acceptedAt: number | undefined,
  target: SlotWeights,
): Promise<never> {
  const { spec } = context;
  const notSynced = error instanceof SyncTimeoutError || error instanceof ConfigRejectedError;
  const stale = notSynced ? error.unsynced : [];
  rollback.staleProxies = [...rollback.staleProxies, ...stale];
  const ref = describeRef({
    kind: 'VirtualService',
    namespace: spec.namespace,
    name: spec.target.virtualService,
  });
  let routeState: string;
  if (acceptedAt !== undefined && notSynced) {
    routeState =
      `${ref} routes ${describeWeights(target)} (rollback accepted at ${isoTime(acceptedAt)}); ` +
      `${error.synced}/${error.total} proxies confirmed it; not confirmed (may still use the previous routes): ` +
      stale.map((p) => `${p.proxy} via ${p.istiod} (${p.state})`).join(', ');
  } else {
    let live = 'unknown (could not read it)';
    try {
      const vs = await context.clients.kube.virtualServices.get(
        spec.namespace,
        spec.target.virtualService,
        {},
      );
      if (vs) live = describeWeights(readSlotWeights(vs, context.service.target));
    } catch {
      // Keep "unknown": the API is what failed.
    }
    routeState = `the rollback write failed (${(error as Error).message}); ${ref} currently routes ${live}`;
  }
  await commitChange(context, {
    record: (r) => ({ ...r, phase: 'failed', routeState, reason: rollback.message }),
  }).catch(() => undefined);
  context.log.emit({ type: 'rollback-completed', verified: false, timeToRestoreMs: undefined });
  const summary = await finishOperation(
    context,
    'rollback-unverified',
    `rollback could not be verified: ${routeState}`,
    rollback,
  );
  throw new RollbackUnverifiedError(
    `the rollback of ${spec.service} could not be verified; a human must look`,
    routeState,
    summary,
    {
      cause: error,
    },
  );
}

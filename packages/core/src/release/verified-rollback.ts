/**
 * The verified rollback every operation falls back on: all traffic to the stable slot,
 * mirror off, the pre-release route removed when asked (or after a finished release), in
 * one gated change with the record (`gated-change.ts`, confirmed by the sync gate alone).
 * It never returns normally: a verified rollback throws ReleaseRolledBackError carrying the
 * summary; one that could not be verified (the failure policy says when) records phase
 * `failed` with the exact route state and throws RollbackUnverifiedError, for a human.
 */
import {
  ConfigRejectedError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  SyncTimeoutError,
  describeRef,
} from '../errors.js';
import { checkSummariesOf } from './check-evaluation.js';
import { isoTime } from './clock.js';
import { describeWeights } from './describe-event.js';
import { judgeFailure, type RollbackTrigger } from './failure-policy.js';
import { applyGatedChange, commitRecord, emitPhaseChange } from './gated-change.js';
import type { OperationContext } from './operation-context.js';
import { finishOperation } from './operation-summary.js';
import type { RollbackSummary } from './release-events.js';
import { weightsFor, withHistory, type SlotWeights } from './state-record.js';

/**
 * Rolls back to `context.stable` and verifies it. Throws ReleaseRolledBackError when every
 * proxy acked the stable routes, RollbackUnverifiedError when not.
 */
export async function rollBackVerified(
  context: OperationContext,
  trigger: RollbackTrigger,
): Promise<never> {
  const { clock, spec } = context;
  const { reason, message } = trigger;
  const firstFailureAt = trigger.firstFailureAt ?? clock.now();
  const target = weightsFor(context.stable, 100);
  const previousPhase = context.routes.record.phase;
  context.log.emit({ type: 'rollback-started', reason, message });
  const released = previousPhase === 'released';
  const removeHeader = spec.rollback.removeHeaderRoute || released;
  const rollback: RollbackSummary = {
    reason,
    message,
    firstFailureAt: isoTime(firstFailureAt),
    restoredAt: undefined,
    timeToRestoreMs: undefined,
    evidence: trigger.evidence ?? [],
    staleProxies: trigger.stale ?? [],
    verified: false,
  };
  let acceptedAt: number | undefined;
  try {
    await applyGatedChange(context, {
      what: 'rollback to the stable routes',
      routes: {
        weights: target,
        mirror: 'remove',
        headerRoute: removeHeader ? 'remove' : undefined,
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
        },
      }),
      afterWrite: () => {
        acceptedAt = clock.now();
        emitPhaseChange(context, previousPhase, 'rolling-back');
      },
      verifyDataplane: false,
    });
  } catch (error) {
    const verdict = judgeFailure(error, { during: 'rollback' }, context.signal);
    if (verdict.action === 'stop') throw error;
    return recordUnverified(context, rollback, error, acceptedAt, target);
  }
  const restoredAt = clock.now();
  rollback.restoredAt = isoTime(restoredAt);
  rollback.timeToRestoreMs = restoredAt - firstFailureAt;
  rollback.verified = true;
  await commitRecord(context, {
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
    { cause: trigger.cause },
  );
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
  const { backend } = context.objects;
  const ref = describeRef(backend.ref);
  let routeState: string;
  if (acceptedAt !== undefined && notSynced) {
    routeState =
      `${ref} routes ${describeWeights(target)} (rollback accepted at ${isoTime(acceptedAt)}); ` +
      `${error.synced}/${error.total} proxies confirmed it; not confirmed (may still use the previous routes): ` +
      stale.map((p) => `${p.proxy} via ${p.istiod} (${p.state})`).join(', ');
  } else {
    let live = 'unknown (could not read it)';
    try {
      // No signal: the operation's may be aborted, and the route state is what a human needs.
      const object = await backend.get();
      if (object) live = describeWeights(backend.readWeights(object));
    } catch {
      // Keep "unknown": the API is what failed.
    }
    routeState = `the rollback write failed (${(error as Error).message}); ${ref} currently routes ${live}`;
  }
  await commitRecord(context, {
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

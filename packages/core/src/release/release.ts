/**
 * `release`: shifts traffic to the deployed candidate by running the step plan derived
 * from the strategy (`step-plan.ts`) in the step loop (`step-loop.ts`): each weight step
 * applied, sync-gated (and verified), then baked with checks; failures roll back. An
 * interrupted release (its Lease expired, or held by this identity) resumes at the
 * recorded step after re-gating the last change, or rolls back when `onResume` says so; an
 * interrupted rollback is finished. A paused release is reported, not changed.
 */
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { isoTime, type Clock } from './clock.js';
import { commitRecord, emitPhaseChange, regateAfterInterruption } from './gated-change.js';
import {
  withOperationContext,
  type OperationContext,
  type OperationStart,
} from './operation-context.js';
import type { OperationDependencies, OperationOptions } from './operation-dependencies.js';
import type { OperationLog } from './operation-log.js';
import { finishOperation, operationSummary } from './operation-summary.js';
import { checkReleasable, releasedByHolder } from './preconditions.js';
import { readBeforeLock } from './read-before-lock.js';
import type { OperationSummary } from './release-events.js';
import type { OperationRecord, ReleaseRecord } from './state-record.js';
import { runReleaseSteps } from './step-loop.js';
import { releasePlan } from './step-plan.js';
import { rollBackVerified } from './verified-rollback.js';

/** Releases the deployed candidate of `spec`'s service, or resumes an interrupted release. */
export async function releaseCandidate(
  spec: ResolvedReleaseSpec,
  deps: OperationDependencies,
  options: OperationOptions = {},
): Promise<OperationSummary> {
  const before = await readBeforeLock(spec, deps, 'release', options.signal);
  if (before.record.phase === 'paused')
    return pausedSummary(spec, deps.clock, before.log, before.record);
  const holder = spec.lock.holderIdentity ?? deps.holderIdentity;
  if (!releasedByHolder(before.record, holder))
    checkReleasable(spec, deps, before.objects, before.record);

  const start: OperationStart = { kind: 'release', log: before.log, signal: options.signal };
  return withOperationContext(spec, deps, start, async (context) => {
    const record = context.routes.record;
    if (record.phase === 'paused') return pausedSummary(spec, context.clock, context.log, record);
    if (releasedByHolder(record, context.holder)) return alreadyReleased(context);
    checkReleasable(spec, deps, context.objects, record);
    if (record.phase === 'rolling-back') {
      return rollBackVerified(context, {
        reason: 'resume-rollback',
        message: `continuing the rollback an earlier run started (${record.reason ?? 'no reason recorded'})`,
      });
    }
    if (record.phase === 'releasing') {
      if (spec.onResume === 'rollback') {
        return rollBackVerified(context, {
          reason: 'resume-rollback',
          message: 'an interrupted release was found and onResume is "rollback"',
        });
      }
      return runReleaseSteps(context, () => regateAfterInterruption(context));
    }
    // A new release of the deployed candidate.
    const op: OperationRecord = {
      kind: 'release',
      id: context.id,
      startedAt: isoTime(context.log.startedAt),
      steps: releasePlan(spec),
      stepIndex: 0,
      stage: 'pending',
    };
    await commitRecord(context, {
      record: (r) => ({ ...r, phase: 'releasing', operation: op, reason: undefined }),
    });
    emitPhaseChange(context, record.phase, 'releasing');
    return runReleaseSteps(context);
  });
}

/** A paused release: says where it stopped and how to continue, changes nothing. */
async function pausedSummary(
  spec: ResolvedReleaseSpec,
  clock: Clock,
  log: OperationLog,
  record: ReleaseRecord,
): Promise<OperationSummary> {
  const next = record.operation?.stepIndex ?? 0;
  log.emit({ type: 'paused', nextStep: next });
  await log.flush();
  return operationSummary(spec, clock, {
    kind: 'release',
    id: record.operation?.id ?? 'none',
    log,
    record,
    outcome: 'paused',
    resumed: false,
    checks: [],
    rollback: undefined,
    message: `the release of ${spec.service} is paused before step ${next + 1}; run switchyard promote ${spec.service} to continue`,
  });
}

/** The release this pipeline finished before it was killed: reported, nothing changed. */
export function alreadyReleased(context: OperationContext): Promise<OperationSummary> {
  const { record } = context.routes;
  return finishOperation(
    context,
    'no-op',
    `${context.spec.service} was already released by ${context.holder}: ${record.activeSlot} serves 100%`,
  );
}

/**
 * The one loop that runs a release's step plan: from the step index in the record to the
 * end, each step by the executor of its kind, its route change (if any) applied gated, the
 * record moved to the next step after each, then the final change and the end of the
 * release. `release` starts and resumes it; `promote` continues it.
 *
 * Every failure on the way, wherever it is thrown, reaches the one catch below, which asks
 * the failure policy (`failure-policy.ts`) what it means and carries that out: a verified
 * rollback, phase `failed` for a concurrent edit, or stopping as is (an abort or a lost
 * lock leaves the release resumable).
 */
import {
  commitRecord,
  applyGatedChange,
  emitPhaseChange,
  type GatedChange,
} from './gated-change.js';
import { judgeFailure } from './failure-policy.js';
import { completeRelease, finalChange } from './finalize-release.js';
import type { OperationContext } from './operation-context.js';
import type { OperationSummary } from './release-events.js';
import { executeStep } from './step-executors.js';
import type { OperationRecord, ReleaseStep } from './state-record.js';
import { rollBackVerified } from './verified-rollback.js';

/** Runs the recorded steps (after `before`, when given), turning failures into the right ending. */
export async function runReleaseSteps(
  context: OperationContext,
  before?: () => Promise<void>,
): Promise<OperationSummary> {
  // The gated change waiting to be confirmed, when a failure comes: it names the rollback.
  let unconfirmed: string | undefined;
  const confirm = async (change: GatedChange): Promise<void> => {
    unconfirmed = change.what;
    await applyGatedChange(context, change);
    unconfirmed = undefined;
  };
  try {
    await before?.();
    const operation = context.routes.record.operation;
    const steps = operation?.steps ?? [];
    for (let index = operation?.stepIndex ?? 0; index < steps.length; index++) {
      const step = steps[index] as ReleaseStep;
      context.log.emit({ type: 'step-started', index, total: steps.length, step });
      const outcome = await executeStep(context, step, index, steps.length);
      if (outcome?.ended) return outcome.ended;
      if (outcome?.change) await confirm(outcome.change);
      await commitRecord(context, {
        record: (r) => ({
          ...r,
          operation: {
            ...(r.operation as OperationRecord),
            stepIndex: index + 1,
            stage: 'pending',
            bakeStartedAt: undefined,
          },
        }),
      });
    }
    await confirm(finalChange(context));
    return await completeRelease(context);
  } catch (error) {
    return endOnFailure(context, error, unconfirmed);
  }
}

/** Carries out what the failure policy says `error` means for a running release. */
async function endOnFailure(
  context: OperationContext,
  error: unknown,
  unconfirmed: string | undefined,
): Promise<never> {
  const verdict = judgeFailure(error, { during: 'release', unconfirmed }, context.signal);
  switch (verdict.action) {
    case 'roll-back':
      return rollBackVerified(context, verdict.rollback);
    case 'record-failed':
      await commitRecord(context, {
        unpinned: true,
        record: (r) => ({
          ...r,
          phase: 'failed',
          reason: verdict.message,
          routeState: verdict.message,
        }),
      }).catch(() => undefined);
      emitPhaseChange(
        context,
        context.routes.record.phase === 'failed' ? 'releasing' : undefined,
        'failed',
      );
      throw error;
    default:
      throw error;
  }
}

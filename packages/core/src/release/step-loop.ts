/**
 * The one loop that runs a release's step plan: from the step index in the record to the
 * end, each step by the executor of its kind, the record moved to the next step after each,
 * then the release is finalized. `release` starts and resumes it; `promote` continues it.
 *
 * Failures end it the right way: a sync timeout or any other step error rolls back
 * (verified); a concurrent edit stops without touching the routes and records phase
 * `failed` with what it found; an abort or a lost lock stops as is (resumable).
 */
import {
  ConcurrentEditError,
  LockLostError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  ConfigRejectedError,
  SyncTimeoutError,
} from '../errors.js';
import { finalizeRelease } from './finalize-release.js';
import type { OperationContext } from './operation-context.js';
import { commitChange, emitPhaseChange } from './record-commit.js';
import type { OperationSummary } from './release-events.js';
import { executeStep } from './step-executors.js';
import type { OperationRecord, ReleaseStep } from './state-record.js';
import { rollBackVerified } from './verified-rollback.js';

/** Runs the recorded steps (after `before`, when given), turning failures into the right ending. */
export async function runReleaseSteps(
  context: OperationContext,
  before?: () => Promise<void>,
): Promise<OperationSummary> {
  try {
    await before?.();
    return await runSteps(context);
  } catch (error) {
    if (
      error instanceof ReleaseRolledBackError ||
      error instanceof RollbackUnverifiedError ||
      error instanceof LockLostError ||
      context.signal.aborted
    ) {
      throw error;
    }
    if (error instanceof ConcurrentEditError) {
      await commitChange(context, {
        unpinned: true,
        record: (r) => ({
          ...r,
          phase: 'failed',
          reason: error.message,
          routeState: error.message,
        }),
      }).catch(() => undefined);
      emitPhaseChange(
        context,
        context.state.record.phase === 'failed' ? 'releasing' : undefined,
        'failed',
      );
      throw error;
    }
    if (error instanceof SyncTimeoutError) {
      return rollBackVerified(
        context,
        'sync-timeout',
        error.message.split('\n')[0] ?? error.message,
        {
          stale: error.unsynced,
          cause: error,
        },
      );
    }
    if (error instanceof ConfigRejectedError) {
      return rollBackVerified(
        context,
        'config-rejected',
        error.message.split('\n')[0] ?? error.message,
        {
          stale: error.unsynced,
          cause: error,
        },
      );
    }
    return rollBackVerified(context, 'step-error', `step failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Runs the plan from the recorded index, then finalizes. */
async function runSteps(context: OperationContext): Promise<OperationSummary> {
  const operation = context.state.record.operation;
  const steps = operation?.steps ?? [];
  for (let index = operation?.stepIndex ?? 0; index < steps.length; index++) {
    const step = steps[index] as ReleaseStep;
    context.log.emit({ type: 'step-started', index, total: steps.length, step });
    const ended = await executeStep(context, step, index, steps.length);
    if (ended) return ended;
    await commitChange(context, {
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
  return finalizeRelease(context);
}

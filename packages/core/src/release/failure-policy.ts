/**
 * What a failure means: the one function every operation asks when something went wrong
 * (`judgeFailure`). It decides, from the error and where it happened, whether the
 * operation rolls back (and with which reason and message), records the release as
 * `failed`, undoes a deploy's half-made change, or stops as it is, and so which exit code
 * the run ends with (`errors/exit-codes.ts`). It is pure; the step loop, the verified
 * rollback and deploy carry the verdict out.
 */
import {
  ChecksFailedError,
  ConcurrentEditError,
  ConfigRejectedError,
  DataplaneMismatchError,
  ExitCode,
  exitCodeForError,
  exitCodeForRollback,
  LockLostError,
  NoReadyPodsError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  RolloutFailedError,
  RolloutTimeoutError,
  RouteNotAcceptedError,
  SyncTimeoutError,
  type CheckEvidence,
  type RollbackReason,
  type UnsyncedProxy,
} from '../errors.js';

/** Why a rollback happens, for its summary, its events and the error it ends with. */
export interface RollbackTrigger {
  /** Why, as a stable reason (the exit code follows from it). */
  readonly reason: RollbackReason;
  /** One line for a human. */
  readonly message: string;
  /** Failing check results. */
  readonly evidence?: readonly CheckEvidence[] | undefined;
  /** Proxies that did not ack a change. */
  readonly stale?: readonly UnsyncedProxy[] | undefined;
  /** When the failure streak began (ms since epoch); default when the rollback starts. */
  readonly firstFailureAt?: number | undefined;
  /** The underlying error, kept as the rolled-back error's `cause`. */
  readonly cause?: unknown;
}

/** Where a failure happened. */
export type FailureSituation =
  | {
      /** In a release's step loop (release, promote, resume), finalize included. */
      readonly during: 'release';
      /** The gated change being confirmed when it failed (`weights blue 80 / green 20`). */
      readonly unconfirmed?: string | undefined;
    }
  | {
      /** In a verified rollback, after it started. */
      readonly during: 'rollback';
    }
  | {
      /** In deploy, waiting for the candidate Deployment's rollout. */
      readonly during: 'deploy-rollout';
    }
  | {
      /** In deploy, applying the pre-release header route (Envoy or istiod refusing it withdraws it). */
      readonly during: 'deploy-header-route';
    };

/** What to do about a failure. `exitCode` is how the run ends once it is done. */
export type FailureVerdict =
  | {
      /** Throw the error as it is: already ended, resumable (abort, lost lock), or nothing to undo. */
      readonly action: 'stop';
      readonly exitCode: ExitCode;
    }
  | {
      /** Record phase `failed` with the message as the route state, unpinned, then throw it. */
      readonly action: 'record-failed';
      /** The reason and route state recorded. */
      readonly message: string;
      readonly exitCode: ExitCode;
    }
  | {
      /** Roll back to the stable slot, verified. */
      readonly action: 'roll-back';
      /** Why. */
      readonly rollback: RollbackTrigger;
      /** When the rollback is verified; one that cannot be verified exits 7. */
      readonly exitCode: ExitCode;
    }
  | {
      /** The rollback could not be verified: record `failed` with the route state, for a human. */
      readonly action: 'record-unverified';
      readonly exitCode: ExitCode;
    }
  | {
      /** Deploy: no user traffic moved; the record forgets the candidate, then the error is thrown. */
      readonly action: 'forget-candidate';
      /** The reason recorded. */
      readonly message: string;
      readonly exitCode: ExitCode;
    }
  | {
      /** Deploy: Envoy or istiod refused the header route; take it out again (gated), then throw. */
      readonly action: 'withdraw-header-route';
      /** The reason recorded. */
      readonly message: string;
      /** Who refused it: Envoy (a proxy NACKed it) or istiod (a Gateway API route not accepted). */
      readonly rejectedBy: 'Envoy' | 'istiod';
      readonly exitCode: ExitCode;
    };

/**
 * What `error`, thrown `situation`, means. `signal` is the operation's (aborted when the
 * caller aborted or the lock was lost): an interrupted operation stops where it is.
 */
export function judgeFailure(
  error: unknown,
  situation: FailureSituation,
  signal: AbortSignal,
): FailureVerdict {
  switch (situation.during) {
    case 'release':
      return duringRelease(error, situation.unconfirmed, signal);
    case 'rollback':
      if (error instanceof LockLostError || (signal.aborted && signal.reason === error))
        return stop(error);
      return { action: 'record-unverified', exitCode: ExitCode.RollbackUnverified };
    case 'deploy-rollout':
      if (error instanceof RolloutTimeoutError || error instanceof RolloutFailedError)
        return {
          action: 'forget-candidate',
          message: error.message,
          exitCode: exitCodeForError(error),
        };
      return stop(error);
    case 'deploy-header-route':
      if (error instanceof ConfigRejectedError || error instanceof RouteNotAcceptedError) {
        return {
          action: 'withdraw-header-route',
          message: firstLine(error),
          rejectedBy: error instanceof RouteNotAcceptedError ? 'istiod' : 'Envoy',
          exitCode: exitCodeForError(error),
        };
      }
      return stop(error);
  }
}

function duringRelease(
  error: unknown,
  unconfirmed: string | undefined,
  signal: AbortSignal,
): FailureVerdict {
  if (
    error instanceof ReleaseRolledBackError ||
    error instanceof RollbackUnverifiedError ||
    error instanceof LockLostError ||
    signal.aborted
  ) {
    return stop(error);
  }
  if (error instanceof ConcurrentEditError) {
    return { action: 'record-failed', message: error.message, exitCode: exitCodeForError(error) };
  }
  if (error instanceof SyncTimeoutError) {
    const message =
      unconfirmed !== undefined
        ? `proxies did not ack ${unconfirmed} within ${(error.timeoutMs / 1000).toFixed(0)}s`
        : firstLine(error);
    return rollBack({ reason: 'sync-timeout', message, stale: error.unsynced, cause: error });
  }
  if (error instanceof ConfigRejectedError) {
    return rollBack({
      reason: 'config-rejected',
      message: firstLine(error),
      stale: error.unsynced,
      cause: error,
    });
  }
  if (error instanceof RouteNotAcceptedError) {
    return rollBack({ reason: 'route-not-accepted', message: firstLine(error), cause: error });
  }
  // Only the verification of a gated change throws it.
  if (error instanceof DataplaneMismatchError) {
    return rollBack({ reason: 'dataplane-mismatch', message: error.message, cause: error });
  }
  if (error instanceof ChecksFailedError) {
    return rollBack({
      reason: 'checks-failed',
      message: error.message,
      evidence: error.evidence,
      firstFailureAt: error.firstFailureAt,
    });
  }
  if (error instanceof NoReadyPodsError) {
    return rollBack({ reason: 'step-error', message: error.message, cause: error });
  }
  return rollBack({
    reason: 'step-error',
    message: `step failed: ${(error as Error).message}`,
    cause: error,
  });
}

function stop(error: unknown): FailureVerdict {
  return { action: 'stop', exitCode: exitCodeForError(error) };
}

function rollBack(rollback: RollbackTrigger): FailureVerdict {
  return { action: 'roll-back', rollback, exitCode: exitCodeForRollback(rollback.reason) };
}

function firstLine(error: Error): string {
  return error.message.split('\n')[0] ?? error.message;
}

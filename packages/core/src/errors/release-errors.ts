/**
 * How a release ends when it does not succeed: traffic refused to a slot without ready
 * pods, rolled back (verified), a rollback that could not be verified, aborted.
 */
import type { OperationSummary } from '../release/release-events.js';
import { describeRef, SwitchyardError, type ObjectRef } from './switchyard-error.js';

/** switchyard refused to route traffic to a slot with no ready pods. */
export class NoReadyPodsError extends SwitchyardError {
  readonly code = 'SWITCHYARD_NO_READY_PODS';
  /** The Deployment of the slot. */
  readonly deployment: ObjectRef;
  /** Slot name. */
  readonly slot: string;

  constructor(deployment: ObjectRef, slot: string, message: string) {
    super(`${describeRef(deployment)} (slot ${slot}): ${message}`);
    this.deployment = deployment;
    this.slot = slot;
  }

  override details(): Record<string, unknown> {
    return { deployment: this.deployment, slot: this.slot };
  }
}

/** Why a release was rolled back. */
export type RollbackReason =
  | 'checks-failed'
  | 'sync-timeout'
  | 'config-rejected'
  | 'route-not-accepted'
  | 'dataplane-mismatch'
  | 'rollout-failed'
  | 'step-error'
  | 'manual'
  | 'resume-rollback';

/**
 * The release was rolled back and the rollback was verified (every proxy synced on the
 * stable routes). `cause` is what triggered it. `summary` is the operation summary.
 */
export class ReleaseRolledBackError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROLLED_BACK';
  /** Why. */
  readonly reason: RollbackReason;
  /** Operation summary with the timeline (the engine's `OperationSummary`). */
  readonly summary: unknown;

  constructor(
    reason: RollbackReason,
    message: string,
    summary: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.reason = reason;
    this.summary = summary;
  }

  override details(): Record<string, unknown> {
    return { reason: this.reason };
  }
}

/**
 * A rollback was attempted but could not be verified. A human must look; `routeState`
 * says exactly what the routes are known to be.
 */
export class RollbackUnverifiedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROLLBACK_UNVERIFIED';
  /** Exact known route state, for a human. */
  readonly routeState: string;
  /** Operation summary with the timeline. */
  readonly summary: unknown;

  constructor(
    message: string,
    routeState: string,
    summary: unknown,
    options?: { cause?: unknown },
  ) {
    super(`${message}\nroute state: ${routeState}`, options);
    this.routeState = routeState;
    this.summary = summary;
  }

  override details(): Record<string, unknown> {
    return { routeState: this.routeState };
  }
}

/** The operation was aborted (signal). */
export class AbortedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ABORTED';
}

/**
 * The operation summary an error carries (`ReleaseRolledBackError`,
 * `RollbackUnverifiedError`, or any error given a `summary` with an `outcome`), by duck
 * type so it works across package copies; undefined when it carries none.
 */
export function summaryCarriedBy(error: unknown): OperationSummary | undefined {
  const summary = (error as { summary?: unknown } | null | undefined)?.summary;
  return typeof summary === 'object' && summary !== null && 'outcome' in summary
    ? (summary as OperationSummary)
    : undefined;
}

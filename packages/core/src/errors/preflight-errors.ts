/**
 * Refusals before any change: a missing or unmanageable object, a phase that does not
 * allow the operation, a release record switchyard cannot read. Nothing was changed.
 */
import { describeRef, SwitchyardError, type ObjectRef } from './switchyard-error.js';

/** A check before any change failed: a missing object, a misconfigured mesh. Nothing was changed. */
export class PreflightError extends SwitchyardError {
  readonly code = 'SWITCHYARD_PREFLIGHT';
  /** Every problem found, each naming the object it concerns. */
  readonly problems: readonly { object?: ObjectRef | undefined; message: string }[];

  constructor(
    problems: readonly { object?: ObjectRef | undefined; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      `preflight failed:\n${problems.map((p) => (p.object ? `${describeRef(p.object)}: ${p.message}` : p.message)).join('\n')}`,
      options,
    );
    this.problems = problems;
  }

  override details(): Record<string, unknown> {
    return { problems: this.problems };
  }
}

/** Why switchyard refuses to manage a VirtualService's routes. */
export type RouteRefusalReason =
  | 'no-http-routes'
  | 'no-matching-route'
  | 'route-name-not-found'
  | 'ambiguous-routes'
  | 'delegate'
  | 'tcp-tls-only'
  | 'foreign-destination'
  | 'missing-subset'
  | 'invalid-weights'
  | 'name-collision';

/** The VirtualService or DestinationRule cannot be changed safely; the message says how to fix it. */
export class RouteRefusedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROUTE_REFUSED';
  /** Machine-readable reason. */
  readonly reason: RouteRefusalReason;
  /** The object refused. */
  readonly object: ObjectRef;
  /** How to fix it. */
  readonly hint: string;

  constructor(reason: RouteRefusalReason, object: ObjectRef, message: string, hint: string) {
    super(`${describeRef(object)}: ${message}. ${hint}`);
    this.reason = reason;
    this.object = object;
    this.hint = hint;
  }

  override details(): Record<string, unknown> {
    return { reason: this.reason, object: this.object, hint: this.hint };
  }
}

/** The operation does not fit the recorded release phase (promote with nothing paused, ...). */
export class InvalidStateError extends SwitchyardError {
  readonly code = 'SWITCHYARD_INVALID_STATE';
  /** Recorded phase. */
  readonly phase: string;
  /** Operation attempted. */
  readonly operation: string;

  constructor(operation: string, phase: string, message: string) {
    super(message);
    this.operation = operation;
    this.phase = phase;
  }

  override details(): Record<string, unknown> {
    return { phase: this.phase, operation: this.operation };
  }
}

/** The release state annotation is unreadable or written by a newer switchyard; it was left as is. */
export class StateRecordError extends SwitchyardError {
  readonly code = 'SWITCHYARD_STATE_RECORD';
  /** `unreadable` (not JSON, wrong shape) or `newer-version`. */
  readonly reason: 'unreadable' | 'newer-version';
  /** Object carrying the annotation. */
  readonly object: ObjectRef;

  constructor(
    reason: 'unreadable' | 'newer-version',
    object: ObjectRef,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${describeRef(object)}: ${message}`, options);
    this.reason = reason;
    this.object = object;
  }

  override details(): Record<string, unknown> {
    return { reason: this.reason, object: this.object };
  }
}

/**
 * Refusals before any change: a missing or unmanageable object, a phase that does not
 * allow the operation, a release record switchyard cannot read. Nothing was changed.
 */
import {
  describeRef,
  SwitchyardError,
  type ObjectRef,
  type SwitchyardErrorCode,
} from './switchyard-error.js';

/** A check before any change failed: a missing object, a misconfigured mesh. Nothing was changed. */
export class PreflightError extends SwitchyardError {
  readonly code: SwitchyardErrorCode = 'SWITCHYARD_PREFLIGHT';
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

/** One error finding of a preflight check (the shape of `Finding` in `preflight/finding.ts`). */
export interface PreflightFinding {
  /** The check's stable id (`port-protocol`). */
  id: string;
  /** `error`, `warning` or `info`. */
  severity: 'error' | 'warning' | 'info';
  /** The object concerned. */
  object: ObjectRef;
  /** The field concerned (`spec.ports[0].name`), `''` for the whole object. */
  field: string;
  /** What is wrong. */
  message: string;
  /** How to fix it, in one line. */
  fix: string;
}

/**
 * The preflight checks deploy and release run before any change found errors (the Istio
 * pitfalls `switchyard doctor` reports). Nothing was changed: no lock taken, nothing
 * written. `findings` lists the errors, each with its object, field and fix; skip a check
 * on purpose with `--skip-check ID` or the spec's `preflight.skip`.
 */
export class PreflightFailedError extends PreflightError {
  override readonly code = 'SWITCHYARD_PREFLIGHT_FAILED';
  /** The error findings. */
  readonly findings: readonly PreflightFinding[];
  /** Checks skipped on purpose. */
  readonly skipped: readonly string[];

  constructor(findings: readonly PreflightFinding[], skipped: readonly string[] = []) {
    super(
      findings.map((f) => ({
        object: f.object,
        message: `${f.field ? `${f.field}: ` : ''}${f.message} [${f.id}; fix: ${f.fix}]`,
      })),
    );
    this.message = `preflight found ${findings.length} error${findings.length === 1 ? '' : 's'} (nothing was changed; skip a check on purpose with --skip-check ID or preflight.skip):\n${findings
      .map(
        (f) =>
          `  [${f.id}] ${describeRef(f.object)}${f.field ? ` ${f.field}` : ''}: ${f.message}\n    fix: ${f.fix}`,
      )
      .join('\n')}`;
    this.findings = findings;
    this.skipped = skipped;
  }

  override details(): Record<string, unknown> {
    return { findings: this.findings, skipped: this.skipped };
  }
}

/** Why switchyard refuses to manage a VirtualService's or HTTPRoute's routes. */
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
  | 'name-collision'
  | 'route-limits'
  | 'precedence-conflict';

/** The routing object (VirtualService, DestinationRule, HTTPRoute) cannot be changed safely; the message says how to fix it. */
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

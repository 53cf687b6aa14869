/**
 * Failures of the cluster: Kubernetes API calls, concurrent edits, the release Lease,
 * port-forwards, Deployment rollouts.
 */
import {
  describeRef,
  SwitchyardError,
  type ObjectRef,
  type SwitchyardErrorCode,
} from './switchyard-error.js';

/** A Kubernetes API call failed (after retries where retrying made sense). */
export class KubeApiError extends SwitchyardError {
  readonly code: SwitchyardErrorCode = 'SWITCHYARD_KUBE_API';
  /** HTTP status, or undefined for a network failure. */
  readonly statusCode: number | undefined;
  /** Status `reason` (`NotFound`, `Conflict`, `Invalid`, ...), or `NetworkError`. */
  readonly reason: string;
  /** What was attempted: `get`, `patch`, ... */
  readonly verb: string;
  /** The object concerned, when there is one. */
  readonly object: ObjectRef | undefined;

  constructor(
    message: string,
    fields: {
      statusCode?: number | undefined;
      reason: string;
      verb: string;
      object?: ObjectRef | undefined;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.statusCode = fields.statusCode;
    this.reason = fields.reason;
    this.verb = fields.verb;
    this.object = fields.object;
  }

  override details(): Record<string, unknown> {
    return {
      statusCode: this.statusCode,
      reason: this.reason,
      verb: this.verb,
      object: this.object,
    };
  }
}

/**
 * Someone else changed the object between switchyard's read and its write (409 Conflict on a
 * resourceVersion, or 422 on a failed JSON Patch `test`). Their edit was kept; ours was not applied.
 */
export class ConcurrentEditError extends KubeApiError {
  override readonly code = 'SWITCHYARD_CONCURRENT_EDIT';
}

/** Another holder has the release Lease. */
export class LockHeldError extends SwitchyardError {
  readonly code = 'SWITCHYARD_LOCKED';
  /** The Lease. */
  readonly lease: ObjectRef;
  /** Current holder identity. */
  readonly holder: string;
  /** When the holder's claim expires unless renewed (ISO time). */
  readonly expiresAt: string;

  constructor(lease: ObjectRef, holder: string, expiresAt: string) {
    super(
      `${describeRef(lease)} is held by "${holder}" until ${expiresAt} (unless renewed); ` +
        'another release of this service is in progress. Wait for it, or for the lease to expire.',
    );
    this.lease = lease;
    this.holder = holder;
    this.expiresAt = expiresAt;
  }

  override details(): Record<string, unknown> {
    return { lease: this.lease, holder: this.holder, expiresAt: this.expiresAt };
  }
}

/** The release Lease was lost while working (renewal failed or another holder took it). */
export class LockLostError extends SwitchyardError {
  readonly code = 'SWITCHYARD_LOCK_LOST';
  /** The Lease. */
  readonly lease: ObjectRef;
  /** Holder seen after the loss, when known. */
  readonly holder: string | undefined;

  constructor(lease: ObjectRef, message: string, options?: { holder?: string; cause?: unknown }) {
    super(`${describeRef(lease)}: ${message}`, options);
    this.lease = lease;
    this.holder = options?.holder;
  }

  override details(): Record<string, unknown> {
    return { lease: this.lease, holder: this.holder };
  }
}

/** A port-forward to a pod could not be established or broke. */
export class PortForwardError extends SwitchyardError {
  readonly code = 'SWITCHYARD_PORT_FORWARD';
  /** The pod. */
  readonly pod: ObjectRef;
  /** Pod port. */
  readonly port: number;

  constructor(pod: ObjectRef, port: number, message: string, options?: { cause?: unknown }) {
    super(`port-forward to ${describeRef(pod)}:${port}: ${message}`, options);
    this.pod = pod;
    this.port = port;
  }

  override details(): Record<string, unknown> {
    return { pod: this.pod, port: this.port };
  }
}

/** A Deployment rollout did not complete in time. */
export class RolloutTimeoutError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROLLOUT_TIMEOUT';
  /** The Deployment. */
  readonly deployment: ObjectRef;
  /** Timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Last observed status summary. */
  readonly lastStatus: string;

  constructor(deployment: ObjectRef, timeoutMs: number, lastStatus: string) {
    super(
      `${describeRef(deployment)} rollout did not complete within ${(timeoutMs / 1000).toFixed(0)}s (${lastStatus})`,
    );
    this.deployment = deployment;
    this.timeoutMs = timeoutMs;
    this.lastStatus = lastStatus;
  }

  override details(): Record<string, unknown> {
    return { deployment: this.deployment, timeoutMs: this.timeoutMs, lastStatus: this.lastStatus };
  }
}

/** A Deployment rollout failed (`ProgressDeadlineExceeded`). */
export class RolloutFailedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROLLOUT_FAILED';
  /** The Deployment. */
  readonly deployment: ObjectRef;
  /** Condition reason reported by Kubernetes. */
  readonly reason: string;

  constructor(deployment: ObjectRef, reason: string, message: string) {
    super(`${describeRef(deployment)} rollout failed: ${reason}: ${message}`);
    this.deployment = deployment;
    this.reason = reason;
  }

  override details(): Record<string, unknown> {
    return { deployment: this.deployment, reason: this.reason };
  }
}

/**
 * The base of every switchyard error, its stable codes, and the object references and
 * validation issues errors carry.
 */

/** A Kubernetes object a failure concerns. */
export interface ObjectRef {
  /** Kind, e.g. `VirtualService`. */
  kind: string;
  /** Namespace; undefined for cluster-scoped objects. */
  namespace?: string | undefined;
  /** Object name. */
  name: string;
}

/** One problem found while validating input; `path` is dotted (`strategy.steps[2].weight`). */
export interface ValidationIssue {
  /** Path of the offending field, `""` for the whole document. */
  path: string;
  /** What is wrong and, where possible, what would be right. */
  message: string;
}

/** Stable error codes. The CLI maps them to exit codes; never rename one. */
export type SwitchyardErrorCode =
  | 'SWITCHYARD_INVALID_SPEC'
  | 'SWITCHYARD_INVALID_USAGE'
  | 'SWITCHYARD_KUBECONFIG'
  | 'SWITCHYARD_PREFLIGHT'
  | 'SWITCHYARD_PREFLIGHT_FAILED'
  | 'SWITCHYARD_ROUTE_REFUSED'
  | 'SWITCHYARD_INVALID_STATE'
  | 'SWITCHYARD_STATE_RECORD'
  | 'SWITCHYARD_KUBE_API'
  | 'SWITCHYARD_CONCURRENT_EDIT'
  | 'SWITCHYARD_LOCKED'
  | 'SWITCHYARD_LOCK_LOST'
  | 'SWITCHYARD_PORT_FORWARD'
  | 'SWITCHYARD_ISTIOD_UNAVAILABLE'
  | 'SWITCHYARD_SYNC_TIMEOUT'
  | 'SWITCHYARD_CONFIG_REJECTED'
  | 'SWITCHYARD_ROUTE_NOT_ACCEPTED'
  | 'SWITCHYARD_DATAPLANE_MISMATCH'
  | 'SWITCHYARD_PROMETHEUS'
  | 'SWITCHYARD_ROLLOUT_TIMEOUT'
  | 'SWITCHYARD_ROLLOUT_FAILED'
  | 'SWITCHYARD_NO_READY_PODS'
  | 'SWITCHYARD_CHECKS_FAILED'
  | 'SWITCHYARD_ROLLED_BACK'
  | 'SWITCHYARD_ROLLBACK_UNVERIFIED'
  | 'SWITCHYARD_ABORTED';

/** Base class of every switchyard error. */
export abstract class SwitchyardError extends Error {
  /** Stable machine-readable code. */
  abstract readonly code: SwitchyardErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Context fields for JSON output (`-o json`); subclasses add theirs. */
  details(): Record<string, unknown> {
    return {};
  }

  /** Plain-object form: name, code, message, details. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.details() };
  }
}

/** `VirtualService bookinfo/reviews` */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** True when `error` is a switchyard error (by duck type, so it works across package copies). */
export function isSwitchyardError(error: unknown): error is SwitchyardError {
  if (error instanceof SwitchyardError) return true;
  const code: unknown =
    error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SWITCHYARD_');
}

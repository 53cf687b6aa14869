/**
 * Every failure switchyard reports is one of the classes exported here, the one place to
 * import them from (also as `@switchyard/core/errors`). Each has a stable `code` (what
 * scripts and the CLI's exit-code mapping key on), typed context fields, and keeps the
 * underlying failure as `cause`. Messages never contain credentials. The classes live in
 * `errors/`, one file per kind of failure; `errors/exit-codes.ts` says what each means to a
 * pipeline (its exit code).
 */
export { describeRef, isSwitchyardError, SwitchyardError } from './errors/switchyard-error.js';
export type { ObjectRef, SwitchyardErrorCode, ValidationIssue } from './errors/switchyard-error.js';
export { KubeconfigError, SpecError, UsageError } from './errors/input-errors.js';
export {
  InvalidStateError,
  PreflightError,
  PreflightFailedError,
  RouteRefusedError,
  StateRecordError,
} from './errors/preflight-errors.js';
export type { PreflightFinding, RouteRefusalReason } from './errors/preflight-errors.js';
export {
  ConcurrentEditError,
  KubeApiError,
  LockHeldError,
  LockLostError,
  PortForwardError,
  RolloutFailedError,
  RolloutTimeoutError,
} from './errors/kube-errors.js';
export {
  ChecksFailedError,
  ConfigRejectedError,
  DataplaneMismatchError,
  IstiodUnavailableError,
  PrometheusError,
  RouteNotAcceptedError,
  SyncTimeoutError,
} from './errors/gate-errors.js';
export type {
  CheckEvidence,
  ProxySyncState,
  RouteParentVerdict,
  UnsyncedProxy,
} from './errors/gate-errors.js';
export {
  AbortedError,
  NoReadyPodsError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  summaryCarriedBy,
} from './errors/release-errors.js';
export type { RollbackReason } from './errors/release-errors.js';
export {
  errorCodeOf,
  ExitCode,
  exitCodeForError,
  exitCodeForRollback,
} from './errors/exit-codes.js';

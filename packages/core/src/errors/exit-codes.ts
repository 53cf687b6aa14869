/**
 * What each failure means to a pipeline: the exit code of every error code (and of every
 * rollback reason), one table for the CLI's top-level catch and the engine's failure policy
 * (`release/failure-policy.ts`). Reads errors by their stable `code` (duck typing), so it
 * works across package copies and stays light enough for the CLI's `--help` path.
 */
import type { SwitchyardErrorCode } from './switchyard-error.js';

/** Every exit code switchyard's CLI uses. */
export const ExitCode = Object.freeze({
  /** The operation did what was asked. */
  Done: 0,
  /** Anything else went wrong (the message says what). */
  Failure: 1,
  /** Invalid usage, spec or preflight: nothing was changed. */
  Invalid: 2,
  /** Checks failed; rolled back and the rollback was verified. */
  ChecksFailed: 3,
  /** The release is paused and waits for `switchyard promote`. */
  Paused: 4,
  /**
   * The proxies did not take a change (sync timeout, Envoy rejected the routes, or istiod
   * did not accept a Gateway API route) or a rollout timed out: a release was rolled back
   * (verified); a deploy left traffic untouched.
   */
  Timeout: 5,
  /** Another holder has the lock, or someone else edited the routes concurrently. */
  Locked: 6,
  /** A rollback could not be verified: a human must look (the message gives the route state). */
  RollbackUnverified: 7,
  /** Interrupted by SIGINT (Ctrl-C); the release stays resumable. */
  Interrupted: 130,
  /** Terminated by SIGTERM; the release stays resumable. */
  Terminated: 143,
});

/** One of the exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Codes whose failure happened before anything was changed. */
const INVALID: readonly SwitchyardErrorCode[] = [
  'SWITCHYARD_INVALID_SPEC',
  'SWITCHYARD_INVALID_USAGE',
  'SWITCHYARD_KUBECONFIG',
  'SWITCHYARD_PREFLIGHT',
  'SWITCHYARD_PREFLIGHT_FAILED',
  'SWITCHYARD_ROUTE_REFUSED',
  'SWITCHYARD_INVALID_STATE',
  'SWITCHYARD_STATE_RECORD',
];

const BY_CODE: Partial<Record<SwitchyardErrorCode, ExitCode>> = {
  ...Object.fromEntries(INVALID.map((code) => [code, ExitCode.Invalid])),
  // A deploy that times out never moved user traffic; a release's timeouts arrive as
  // SWITCHYARD_ROLLED_BACK with their reason instead.
  SWITCHYARD_ROLLOUT_TIMEOUT: ExitCode.Timeout,
  SWITCHYARD_ROLLOUT_FAILED: ExitCode.Timeout,
  SWITCHYARD_SYNC_TIMEOUT: ExitCode.Timeout,
  SWITCHYARD_CONFIG_REJECTED: ExitCode.Timeout,
  SWITCHYARD_ROUTE_NOT_ACCEPTED: ExitCode.Timeout,
  SWITCHYARD_LOCKED: ExitCode.Locked,
  SWITCHYARD_CONCURRENT_EDIT: ExitCode.Locked,
  SWITCHYARD_LOCK_LOST: ExitCode.Locked,
  SWITCHYARD_ROLLBACK_UNVERIFIED: ExitCode.RollbackUnverified,
};

/** Rollback reasons and their exit codes; reasons not listed exit 1. */
const BY_ROLLBACK_REASON: Readonly<Record<string, ExitCode>> = {
  'checks-failed': ExitCode.ChecksFailed,
  'sync-timeout': ExitCode.Timeout,
  'config-rejected': ExitCode.Timeout,
  'route-not-accepted': ExitCode.Timeout,
  'rollout-failed': ExitCode.Timeout,
  'dataplane-mismatch': ExitCode.Timeout,
};

/** The `code` of a switchyard error (by duck type, so it works across package copies). */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SWITCHYARD_') ? code : undefined;
}

/** The exit code of a release rolled back (and verified) for `reason`. */
export function exitCodeForRollback(reason: string): ExitCode {
  return BY_ROLLBACK_REASON[reason] ?? ExitCode.Failure;
}

/** The exit code for an error thrown by an operation. */
export function exitCodeForError(error: unknown): ExitCode {
  const code = errorCodeOf(error);
  if (code === undefined) return ExitCode.Failure;
  if (code === 'SWITCHYARD_ROLLED_BACK') {
    const reason = (error as { reason?: unknown }).reason;
    return typeof reason === 'string' ? exitCodeForRollback(reason) : ExitCode.Failure;
  }
  return BY_CODE[code as SwitchyardErrorCode] ?? ExitCode.Failure;
}

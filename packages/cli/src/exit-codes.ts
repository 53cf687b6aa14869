/**
 * The exit codes a pipeline can branch on, and how errors and outcomes map to them. This
 * module is on the `--help` path, so it reads errors by their stable `code` (duck typing)
 * and never imports the core library's main entry.
 */
import type { SwitchyardErrorCode } from '@switchyard/core/errors';
import type { OperationOutcome } from '@switchyard/core';

/** Every exit code the CLI uses. */
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
   * The proxies did not take a change (sync timeout, or Envoy rejected the routes) or a
   * rollout timed out: a release was rolled back (verified); a deploy left traffic untouched.
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
  'rollout-failed': ExitCode.Timeout,
  'dataplane-mismatch': ExitCode.Timeout,
};

/** The `code` of a switchyard error (by duck type, so it works across package copies). */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SWITCHYARD_') ? code : undefined;
}

/** The exit code for an error thrown by a command. */
export function exitCodeForError(error: unknown): ExitCode {
  const code = errorCodeOf(error);
  if (code === undefined) return ExitCode.Failure;
  if (code === 'SWITCHYARD_ROLLED_BACK') {
    const reason = (error as { reason?: unknown }).reason;
    return (typeof reason === 'string' && BY_ROLLBACK_REASON[reason]) || ExitCode.Failure;
  }
  return BY_CODE[code as SwitchyardErrorCode] ?? ExitCode.Failure;
}

/** The exit code for an operation that returned normally. */
export function exitCodeForOutcome(outcome: OperationOutcome): ExitCode {
  switch (outcome) {
    case 'paused':
      return ExitCode.Paused;
    case 'rollback-unverified':
      return ExitCode.RollbackUnverified;
    case 'failed':
      return ExitCode.Failure;
    default:
      return ExitCode.Done;
  }
}

/** The exit-code table, as printed in `--help` and the README. */
export const EXIT_CODES_TEXT = `Exit codes:
  0    done
  2    invalid usage, spec or preflight (nothing changed)
  3    checks failed, rolled back (traffic verified on stable)
  4    paused, waiting for \`switchyard promote\`
  5    sync failed (timeout, or a proxy rejected the routes) or rollout timeout,
       rolled back (deploy: traffic untouched)
  6    locked by another holder, or a concurrent edit detected
  7    rollback could not be verified: a human must look (the message says the route state)
  1    anything else (including a rollback for another reason; the message says which)
  130  interrupted by SIGINT, 143 by SIGTERM: stopped where it was, lock released; run
       the same command again to resume a release, or \`switchyard rollback\``;

/**
 * The exit codes a pipeline can branch on, and how errors and outcomes map to them. This
 * module is on the `--help` path, so it reads errors by their stable `code` (duck typing,
 * in `@switchyard/core/errors`) and never imports the core library's main entry.
 */
import { ExitCode } from '@switchyard/core/errors';
import type { OperationOutcome } from '@switchyard/core';

// The table of error codes and rollback reasons lives in core, beside the errors, so the
// engine's failure policy and this top-level catch read the same one.
export { errorCodeOf, ExitCode, exitCodeForError } from '@switchyard/core/errors';

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

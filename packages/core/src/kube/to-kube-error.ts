/**
 * Turns whatever a failed API call threw into switchyard's typed errors:
 *
 * - 409 Conflict → ConcurrentEditError (a stale resourceVersion: someone wrote in between);
 *   409 AlreadyExists stays a KubeApiError with that reason (a create lost a race).
 * - 422 on a JSON Patch without field causes → ConcurrentEditError. The API server reports
 *   a failed `test` op (and any op whose path no longer exists) as a bare 422 Invalid, "the
 *   server rejected our request due to an error in our request", with no causes; schema
 *   validation errors are 422 Invalid too but always name the offending fields.
 * - Other answers → KubeApiError with the Status reason; network failures → reason
 *   `NetworkError`; the caller aborting → AbortedError.
 *
 * Messages read `patch VirtualService bookinfo/reviews: 409 Conflict: <Status message>`.
 * Every text is redacted, and `cause` is a redacted copy: the original error can reference
 * request options holding the bearer token.
 */
import {
  AbortedError,
  ConcurrentEditError,
  KubeApiError,
  type ObjectRef,
  type SwitchyardError,
} from '../errors.js';
import type { ApiStatus } from './api-status.js';
import { classifyKubeFailure, type KubeFailure } from './kube-failure.js';
import type { PatchType } from './kube-types.js';
import { redactSecrets } from './redact-secrets.js';
import type { RetryState } from './retry.js';

/** What was being attempted, for messages and error fields. */
export interface KubeCall {
  /** `get`, `list`, `create`, `replace`, `patch`, `discover`. */
  verb: string;
  /** Human description: `VirtualService bookinfo/reviews`, `Pods in istio-system (app=istiod)`. */
  target: string;
  /** The object concerned, for single-object calls. */
  object?: ObjectRef | undefined;
  /** Patch flavour, for patches. */
  patchType?: PatchType | undefined;
}

/** Context of the failure. */
export interface FailureContext {
  /** Values to redact besides anything credential-shaped (the kubeconfig user's token, ...). */
  secrets: readonly string[];
  /** Attempts and stop reason, when the call was retried. */
  state?: RetryState | undefined;
  /** The caller's signal: when aborted, the failure is an abort whatever was thrown. */
  signal?: AbortSignal | undefined;
}

/** Maps a failure of `call` to KubeApiError, ConcurrentEditError or AbortedError. */
export function toKubeError(
  error: unknown,
  call: KubeCall,
  context: FailureContext,
): SwitchyardError {
  if (error instanceof KubeApiError || error instanceof AbortedError) return error;
  const redact = (text: string): string => redactSecrets(text, context.secrets);
  const cause = redactedCause(error, redact);
  const failure: KubeFailure = context.signal?.aborted
    ? { kind: 'aborted' }
    : classifyKubeFailure(error);
  const prefix = `${call.verb} ${call.target}`;
  const fields = (statusCode: number | undefined, reason: string) => ({
    statusCode,
    reason,
    verb: call.verb,
    object: call.object,
  });
  switch (failure.kind) {
    case 'aborted':
      return new AbortedError(`${prefix}: aborted`, { cause });
    case 'http': {
      const { status } = failure;
      const head = `${prefix}: ${failure.code} ${status.reason}: ${redact(status.message)}`;
      if (failure.code === 409 && status.reason !== 'AlreadyExists') {
        return new ConcurrentEditError(
          `${head}${retryNote(context.state)}`,
          fields(failure.code, status.reason),
          { cause },
        );
      }
      if (isFailedJsonPatchTest(failure.code, status, call.patchType)) {
        const detail = status.causes.find((c) => c.message)?.message;
        return new ConcurrentEditError(
          `${head} (${detail ? `${redact(detail)}: ` : ''}the object changed since it was read${context.state?.mayHaveLanded ? '' : '; nothing was applied'})${retryNote(context.state)}`,
          fields(failure.code, status.reason),
          { cause },
        );
      }
      return new KubeApiError(
        `${head}${causesNote(status, redact)}${retryNote(context.state)}`,
        fields(failure.code, status.reason),
        { cause },
      );
    }
    case 'network':
      return new KubeApiError(
        `${prefix}: network error: ${redact(failure.message)}${retryNote(context.state)}`,
        fields(undefined, 'NetworkError'),
        { cause },
      );
    case 'other':
      return new KubeApiError(
        `${prefix}: ${redact(failure.message)}`,
        fields(undefined, 'ClientError'),
        { cause },
      );
  }
}

/** True when a 422 answers a JSON Patch whose `test` (or path) no longer matched the object. */
export function isFailedJsonPatchTest(
  code: number,
  status: ApiStatus,
  patchType: PatchType | undefined,
): boolean {
  if (code !== 422 || patchType !== 'json') return false;
  return !status.causes.some((cause) => cause.field !== undefined && cause.field !== '');
}

function causesNote(status: ApiStatus, redact: (text: string) => string): string {
  // The Status message of an Invalid error already lists its field causes; add them only when it does not.
  const missing = status.causes.filter((c) => c.field && !status.message.includes(c.field));
  if (missing.length === 0) return '';
  return ` (${missing.map((c) => `${c.field}: ${redact(c.message ?? c.reason ?? 'invalid')}`).join('; ')})`;
}

function retryNote(state: RetryState | undefined): string {
  if (!state || state.attempts <= 1) {
    return state?.stoppedBy === 'unsafe-to-repeat'
      ? '; the change may or may not have been applied: re-read before retrying'
      : '';
  }
  const seconds = (state.elapsedMs / 1000).toFixed(1);
  const base = ` (after ${state.attempts} attempts in ${seconds}s)`;
  return state.stoppedBy === 'unsafe-to-repeat'
    ? `${base}; the change may or may not have been applied: re-read before retrying`
    : base;
}

/** A copy of `error` keeping name, message (redacted), code and HTTP status only. */
function redactedCause(error: unknown, redact: (text: string) => string): Error {
  const source = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    body?: unknown;
  } | null;
  const message = typeof source?.message === 'string' ? source.message : String(error);
  const copy = new Error(redact(message)) as Error & { code?: unknown; body?: string };
  copy.name = typeof source?.name === 'string' ? source.name : 'Error';
  if (typeof source?.code === 'string' || typeof source?.code === 'number') copy.code = source.code;
  if (typeof source?.body === 'string') copy.body = redact(source.body.slice(0, 2000));
  // The stack of the original names only code locations, never request data.
  if (error instanceof Error && error.stack) copy.stack = redact(error.stack);
  return copy;
}

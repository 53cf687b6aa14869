/**
 * What a gate throws when its signal aborts. The engine aborts with a reason of its own
 * (LockLostError when the release lock is lost): that reason is rethrown as is, so the
 * engine sees why it stopped. Any other reason becomes an AbortedError.
 */
import { AbortedError, isSwitchyardError } from '../errors.js';

/** The error to throw for an aborted `signal`. */
export function abortError(signal: AbortSignal, what: string): Error {
  const reason: unknown = signal.reason;
  if (isSwitchyardError(reason)) return reason;
  return new AbortedError(`${what} aborted`, { cause: reason });
}

/** Throws {@link abortError} when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

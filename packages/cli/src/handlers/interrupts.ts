/**
 * Ctrl-C and SIGTERM during an operation: the first signal aborts it through its
 * AbortSignal (the library releases the lock and the release stays resumable) and is
 * remembered for the exit code; the listener is removed at once, so a second Ctrl-C falls
 * back to Node's default and ends the process immediately.
 */
import type { CliContext, InterruptSignal } from '../cli-context.js';

/** Runs `body` with an AbortSignal that SIGINT/SIGTERM abort. */
export async function withInterrupts<T>(
  context: CliContext,
  body: (signal: AbortSignal) => Promise<T>,
  stopping = 'stopping (the lock is released; the release stays resumable)',
): Promise<T> {
  const controller = new AbortController();
  const listeners = new Map<InterruptSignal, () => void>();
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    const listener = (): void => {
      for (const [signal, fn] of listeners) process.removeListener(signal, fn);
      context.interruptedBy ??= name;
      context.err(`received ${name}: ${stopping}. Press Ctrl-C again to force.`);
      controller.abort(new Error(`interrupted by ${name}`));
    };
    listeners.set(name, listener);
    process.once(name, listener);
  }
  try {
    return await body(controller.signal);
  } finally {
    for (const [signal, fn] of listeners) process.removeListener(signal, fn);
  }
}

/**
 * For commands that run until stopped (`sim`, `demo --keep`): resolves on the first
 * SIGINT or SIGTERM. Stopping them this way is the normal ending, so it is not recorded as
 * an interruption (exit 0).
 */
import type { InterruptSignal } from '../cli-context.js';

/** Resolves with the signal that asked the process to stop. */
export function waitForShutdownSignal(): Promise<InterruptSignal> {
  return new Promise((resolve) => {
    const listeners = new Map<InterruptSignal, () => void>();
    for (const name of ['SIGINT', 'SIGTERM'] as const) {
      const listener = (): void => {
        for (const [signal, fn] of listeners) process.removeListener(signal, fn);
        resolve(name);
      };
      listeners.set(name, listener);
      process.once(name, listener);
    }
  });
}

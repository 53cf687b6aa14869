/**
 * Time as the engine sees it. Production uses the system clock; unit tests drive the engine
 * with a fake clock so bakes of minutes run in microseconds.
 */

/** A source of time and delays. */
export interface Clock {
  /** Current time in milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A time in milliseconds since the epoch as an ISO 8601 string (how the record stores times). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

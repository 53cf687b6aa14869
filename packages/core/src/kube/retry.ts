/**
 * Retrying API calls (p-retry 7 drives the loop; the policy is here). Retried: network
 * failures, 429 (waiting at least `Retry-After`, capped) and 5xx except 501, with
 * exponential backoff and jitter, each attempt under a request timeout, everything inside
 * one total time budget. Never retried: other 4xx, TLS failures, the caller aborting.
 *
 * Writes add one rule. A failure that may have happened after the server applied the write
 * (connection reset or timeout mid-request, 5xx) is retried only when repeating the write is
 * harmless: the request is idempotent, or it carries a precondition (a resourceVersion, a
 * JSON Patch `test`) that makes a duplicate fail instead of applying twice. The caller
 * learns through {@link RetryState.mayHaveLanded} that such a duplicate may explain a
 * conflict, and re-reads the object to find out (see `write-recovery.ts`).
 */
import pRetry from 'p-retry';
import {
  classifyKubeFailure,
  failedBeforeSending,
  isTlsFailure,
  RequestAbortedError,
  type KubeFailure,
} from './kube-failure.js';

/** Retry tuning. Every field is optional. */
export interface RetryOptions {
  /** Budget for all attempts and waits of one call, in milliseconds (default 30 000). */
  maxRetryTimeMs?: number | undefined;
  /** Attempts including the first (default 10). */
  maxAttempts?: number | undefined;
  /** Timeout of one attempt, in milliseconds (default 10 000); never beyond the remaining budget. */
  requestTimeoutMs?: number | undefined;
  /** First backoff delay, in milliseconds (default 250); doubles per retry. */
  initialDelayMs?: number | undefined;
  /** Backoff cap, in milliseconds (default 5 000). */
  maxDelayMs?: number | undefined;
  /** Cap on a server's `Retry-After`, in milliseconds (default 10 000). */
  maxRetryAfterMs?: number | undefined;
  /** Told about every retry before its wait (for logs and events; never carries credentials). */
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Waits between attempts; replaceable so tests need not wait. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Monotonic milliseconds for the budget; replaceable with `sleep`. */
  now?: (() => number) | undefined;
  /** Uniform [0, 1) source for jitter. */
  random?: (() => number) | undefined;
}

/** One retry about to happen. */
export interface RetryEvent {
  /** The call being retried, e.g. `patch VirtualService bookinfo/reviews`. */
  call: string;
  /** Attempt that failed (1-based). */
  attempt: number;
  /** Wait before the next attempt, in milliseconds. */
  delayMs: number;
  /** Why it failed: `429`, `503`, `ECONNRESET`, ... */
  failure: string;
}

/** Retry options with every default filled in. */
export type ResolvedRetryOptions = Required<Omit<RetryOptions, 'onRetry'>> &
  Pick<RetryOptions, 'onRetry'>;

/** Defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: Readonly<
  Omit<ResolvedRetryOptions, 'sleep' | 'now' | 'random' | 'onRetry'>
> = {
  maxRetryTimeMs: 30_000,
  maxAttempts: 10,
  requestTimeoutMs: 10_000,
  initialDelayMs: 250,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 10_000,
};

/** Fills in defaults. */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  return {
    maxRetryTimeMs: options.maxRetryTimeMs ?? DEFAULT_RETRY.maxRetryTimeMs,
    maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts),
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_RETRY.requestTimeoutMs,
    initialDelayMs: options.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
    onRetry: options.onRetry,
    sleep: options.sleep ?? sleep,
    now: options.now ?? (() => performance.now()),
    random: options.random ?? Math.random,
  };
}

/** How one failure bears on retrying. */
export interface RetryVerdict {
  /** Whether another attempt may help. */
  retryable: boolean;
  /** Whether the failed attempt may have been applied by the server (matters for writes). */
  mayHaveLanded: boolean;
  /** Server-requested delay (`Retry-After` header or Status `retryAfterSeconds`), in milliseconds. */
  retryAfterMs?: number | undefined;
  /** Short label for events and messages. */
  label: string;
}

/**
 * Classifies a failure. `retrySafe` says whether repeating the request is harmless even if
 * the failed attempt was applied; when false, failures that may have landed are final.
 */
export function retryVerdict(failure: KubeFailure, retrySafe: boolean): RetryVerdict {
  switch (failure.kind) {
    case 'aborted':
      return { retryable: false, mayHaveLanded: false, label: 'aborted' };
    case 'other':
      return { retryable: false, mayHaveLanded: false, label: 'error' };
    case 'http': {
      const retryAfterMs =
        failure.retryAfterMs ??
        (failure.status.retryAfterSeconds !== undefined
          ? failure.status.retryAfterSeconds * 1000
          : undefined);
      const label = String(failure.code);
      // API Priority and Fairness rejects with 429 before the request is processed.
      if (failure.code === 429)
        return { retryable: true, mayHaveLanded: false, retryAfterMs, label };
      if (failure.code >= 500 && failure.code !== 501) {
        // A 500/504 can come after storage (etcd timeout after commit): treat as maybe applied.
        return { retryable: retrySafe, mayHaveLanded: true, retryAfterMs, label };
      }
      return { retryable: false, mayHaveLanded: false, label };
    }
    case 'network': {
      const label = failure.code ?? 'network error';
      if (isTlsFailure(failure)) return { retryable: false, mayHaveLanded: false, label };
      if (failedBeforeSending(failure)) return { retryable: true, mayHaveLanded: false, label };
      return { retryable: retrySafe, mayHaveLanded: true, label };
    }
  }
}

/** Backoff before retry number `retry` (1-based): exponential, capped, with "equal jitter". */
export function backoffDelay(
  retry: number,
  options: Pick<ResolvedRetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, retry - 1));
  // Half fixed, half random: spreads clients retrying together without ever retrying at once.
  return Math.round(base / 2 + options.random() * (base / 2));
}

/** What happened across the attempts of one call; filled in by {@link runWithRetries}. */
export interface RetryState {
  /** Attempts made. */
  attempts: number;
  /** True when some failed attempt may have been applied by the server. */
  mayHaveLanded: boolean;
  /** Why retrying stopped, when the call failed. */
  stoppedBy?: 'not-retryable' | 'unsafe-to-repeat' | 'attempts' | 'budget' | undefined;
  /** Milliseconds from the first attempt to the end. */
  elapsedMs: number;
}

/** A fresh {@link RetryState}. */
export function newRetryState(): RetryState {
  return { attempts: 0, mayHaveLanded: false, elapsedMs: 0 };
}

/** One attempt's limits. */
export interface AttemptContext {
  /** 1-based attempt number. */
  attemptNumber: number;
  /** Timeout for this attempt, in milliseconds (the request timeout, or less near the end of the budget). */
  timeoutMs: number;
}

/**
 * Runs `attempt` until it succeeds, fails in a way not worth retrying, or the attempts or
 * time budget run out. Rejects with the last failure, unchanged; `state` says why it stopped.
 */
export async function runWithRetries<T>(
  attempt: (context: AttemptContext) => Promise<T>,
  options: {
    retry: ResolvedRetryOptions;
    retrySafe: boolean;
    /** Names the call in retry events. */
    description?: string | undefined;
    signal?: AbortSignal | undefined;
    state?: RetryState | undefined;
  },
): Promise<T> {
  const { retry, retrySafe, signal } = options;
  const state = options.state ?? newRetryState();
  const startedAt = retry.now();
  const deadline = startedAt + retry.maxRetryTimeMs;
  try {
    return await pRetry(
      (attemptNumber) => {
        state.attempts = attemptNumber;
        const remaining = Math.max(1, deadline - retry.now());
        return attempt({ attemptNumber, timeoutMs: Math.min(retry.requestTimeoutMs, remaining) });
      },
      {
        retries: retry.maxAttempts - 1,
        // Waits happen in onFailedAttempt, where Retry-After and the budget are known.
        minTimeout: 0,
        maxTimeout: 0,
        signal,
        onFailedAttempt: async ({ error, attemptNumber }) => {
          const failure = classifyKubeFailure(error);
          const verdict = retryVerdict(failure, retrySafe);
          if (verdict.mayHaveLanded) state.mayHaveLanded = true;
          if (!verdict.retryable) {
            const unsafe = retryVerdict(failure, true).retryable;
            state.stoppedBy = unsafe ? 'unsafe-to-repeat' : 'not-retryable';
            throw error;
          }
          if (attemptNumber >= retry.maxAttempts) {
            state.stoppedBy = 'attempts';
            throw error;
          }
          const backoff = backoffDelay(attemptNumber, retry);
          const delayMs =
            verdict.retryAfterMs !== undefined
              ? Math.max(Math.min(verdict.retryAfterMs, retry.maxRetryAfterMs), backoff)
              : backoff;
          // Waiting past the budget only to fail later helps nobody: stop now.
          if (retry.now() + delayMs >= deadline) {
            state.stoppedBy = 'budget';
            throw error;
          }
          retry.onRetry?.({
            call: options.description ?? 'request',
            attempt: attemptNumber,
            delayMs,
            failure: verdict.label,
          });
          await retry.sleep(delayMs, signal);
        },
      },
    );
  } finally {
    state.elapsedMs = retry.now() - startedAt;
  }
}

/** Waits `ms`, rejecting with RequestAbortedError when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new RequestAbortedError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new RequestAbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

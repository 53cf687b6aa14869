/**
 * One API call with everything around it: retries (policy in `retry.ts`), a timeout per
 * attempt, and failures mapped to typed errors with credentials redacted.
 */
import type { KubeRequest, KubeTransport } from './kube-transport.js';
import {
  newRetryState,
  runWithRetries,
  type ResolvedRetryOptions,
  type RetryState,
} from './retry.js';
import { toKubeError, type KubeCall } from './to-kube-error.js';

/** Options of one call. */
export interface CallSettings {
  /** Whether repeating the request after a failure that may have landed is harmless. */
  retrySafe: boolean;
  /** Caller's signal. */
  signal?: AbortSignal | undefined;
  /** Receives attempts and whether an attempt may have landed; a fresh one is used when undefined. */
  state?: RetryState | undefined;
}

/** Sends calls through a transport with retries and error mapping. */
export class KubeRequester {
  readonly #transport: KubeTransport;
  readonly #retry: ResolvedRetryOptions;
  readonly #secrets: () => readonly string[];

  /**
   * @param transport sends single requests
   * @param retry retry policy with defaults resolved
   * @param secrets values to redact from messages (evaluated lazily, on failure only)
   */
  constructor(
    transport: KubeTransport,
    retry: ResolvedRetryOptions,
    secrets: () => readonly string[],
  ) {
    this.#transport = transport;
    this.#retry = retry;
    this.#secrets = secrets;
  }

  /** Runs `request`; resolves its JSON body, or rejects with KubeApiError, ConcurrentEditError or AbortedError. */
  async call<T>(
    call: KubeCall,
    request: Omit<KubeRequest, 'timeoutMs' | 'signal'>,
    settings: CallSettings,
  ): Promise<T> {
    const state = settings.state ?? newRetryState();
    try {
      return (await runWithRetries(
        ({ timeoutMs }) => this.#transport.send({ ...request, timeoutMs, signal: settings.signal }),
        {
          retry: this.#retry,
          retrySafe: settings.retrySafe,
          signal: settings.signal,
          state,
          description: `${call.verb} ${call.target}`,
        },
      )) as T;
    } catch (error) {
      throw toKubeError(error, call, { secrets: this.#secrets(), state, signal: settings.signal });
    }
  }
}
